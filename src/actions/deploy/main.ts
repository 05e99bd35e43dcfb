/**
 * Entry of actions/deploy: deploys an image BY DIGEST to an environment of `deploy:` in
 * dataops.yml (GitOps overlay by default, Kubernetes, Cloud Run or a command) and records it as a
 * GitHub deployment (environment, ref = source sha, payload = digest and evidence) with statuses
 * in_progress → success/failure. `rollback: true` re-deploys the previous digest of the history.
 * A GitOps repository on GitHub is pushed to with `gitops-token` (sent as an HTTP extra header
 * the way actions/checkout does, never written to disk).
 */
import * as core from '../lib/core.ts';
import { z } from 'zod';
import { deploy } from '../../core/deploy/deploy.ts';
import { ConfigError } from '../../core/errors.ts';
import { loadProject } from '../../core/project.ts';
import { runUrl } from '../../core/runner-context.ts';
import { input, readInputs, runAction } from '../lib/action.ts';
import { deployCredentials, runRepository } from '../lib/github.ts';

const ACTION = 'deploy';

const inputsSchema = z.object({
  environment: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'an environment name of deploy.environments'),
  image: z.string().optional(),
  project: z.string().default('.'),
  rollback: input.boolean(false),
  force: input.boolean(false),
  'expected-current': z
    .string()
    .regex(/^(none|sha256:[a-f0-9]{64})$/, 'expected sha256:<64 hex> or "none"')
    .optional(),
  evidence: input.list(),
  token: z.string().optional(),
  'record-deployment': input.boolean(true),
  'gitops-token': z.string().optional(),
  kubeconfig: z.string().optional(),
  'source-sha': z.string().optional(),
});

/** `name=status[=sha256:…]` lines. */
function parseEvidence(lines: string[]): Array<{ name: string; status: string; sha256?: string }> {
  return lines.map((l) => {
    const [name, status, sha] = l.split('=').map((s) => s.trim());
    if (!name || !status) throw new ConfigError(`"${l}" is not name=status[=sha256:…]`, { location: { field: 'input "evidence"' }, fix: 'Write one per line, e.g. quality=pass.' });
    return { name, status, ...(sha ? { sha256: sha } : {}) };
  });
}


// from the bundle (cloud-run-lock.json beside it): the package is installed on first use into the tool cache
/** Runs the action (exported for @github/local-action; the bundle entry calls it). */
export async function run(): Promise<void> {
  await runAction(ACTION, async (ctx) => {
    const { runner } = ctx;
    const inputs = readInputs(inputsSchema);
    const project = await loadProject(inputs.project, { workspace: runner.workspace });
    const config = project.config.deploy;
    if (!config) throw new ConfigError('no deploy: section', { location: { file: project.file, field: 'deploy' }, fix: 'Add deploy.environments with the environment to deploy to.' });
    // the target's credentials: a GitOps token for git over HTTPS, a kubeconfig for kubectl
    await deployCredentials(inputs, runner);
    const github = runRepository(runner, inputs.token, { log: (l) => core.warning(l) });
    if (!github) core.info('no token or GITHUB_REPOSITORY: the deployment is not recorded on GitHub');
    const sha = inputs['source-sha'] ?? runner.github.sha;
    if (!sha) throw new ConfigError('no source commit', { location: { field: 'input "source-sha"' }, fix: 'Pass source-sha (GITHUB_SHA is not set).' });
    const result = await deploy({
      environment: inputs.environment,
      image: inputs.image,
      config,
      baseDir: project.dir,
      name: project.config.name,
      source: { sha, repository: runner.github.repository, ref: runner.github.ref, runUrl: runUrl(runner.github) },
      expectedCurrent: inputs['expected-current'],
      rollback: inputs.rollback,
      force: inputs.force,
      evidence: parseEvidence(inputs.evidence),
      github: github && inputs['record-deployment'] ? github : undefined,
      runtime: ctx.runtime,
      workspace: runner.workspace,
      log: (m) => core.info(m),
    });
    core.setOutput('deployment-id', result.deploymentId !== undefined ? String(result.deploymentId) : '');
    core.setOutput('digest', result.digest);
    core.setOutput('image', result.image);
    core.setOutput('previous-digest', result.previousDigest ?? '');
    core.setOutput('environment-url', result.environmentUrl ?? '');
    core.setOutput('commit-sha', result.commitSha ?? '');
    core.setOutput('pull-request-url', result.pullRequestUrl ?? '');
    const verb = result.unchanged ? 'already runs' : result.pullRequestUrl ? 'pull request opened for' : result.rollback ? 'rolled back to' : 'now runs';
    await (await core.jobSummary())
      .addHeading(`Deploy ${inputs.environment}`, 3)
      .addTable([
        [
          { data: 'Field', header: true },
          { data: 'Value', header: true },
        ],
        ['Environment', `${inputs.environment} ${verb}`],
        ['Image', `<code>${result.image}</code>`],
        ['Replaced', result.previousDigest ? `<code>${result.previousDigest}</code>` : '—'],
        ['Target', result.target],
        ['Commit', result.commitSha ?? '—'],
        ['Pull request', result.pullRequestUrl ?? '—'],
        ['Deployment', result.deploymentId !== undefined ? String(result.deploymentId) : 'not recorded'],
      ])
      .write();
    core.info(`${inputs.environment} ${verb} ${result.image}`);
  });
}
