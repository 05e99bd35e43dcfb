/**
 * Entry of actions/deploy: deploys an image BY DIGEST to an environment of `deploy:` in
 * dataops.yml (GitOps overlay by default, Kubernetes, Cloud Run or a command) and records it as a
 * GitHub deployment (environment, ref = source sha, payload = digest and evidence) with statuses
 * in_progress → success/failure. `rollback: true` re-deploys the previous digest of the history.
 * A GitOps repository on GitHub is pushed to with `gitops-token` (sent as an HTTP extra header
 * the way actions/checkout does, never written to disk).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as core from '@actions/core';
import { z } from 'zod';
import { deploy } from '../../core/deploy/deploy.ts';
import { runUrlFromEnv } from '../../core/deploy/local.ts';
import { ConfigError } from '../../core/errors.ts';
import { GitHubClient, parseRepository } from '../../core/github/client.ts';
import { loadProject } from '../../core/project.ts';
import { input, readInputs, runAction } from '../lib/action.ts';
import { bundledRuntimeLoader, RUNTIME_PACKAGES } from '../../core/engine/install.ts';
import { setCloudRunLoader, type RunModule } from '../../core/deploy/cloud-run.ts';

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

/** Git config through the environment (GIT_CONFIG_COUNT…): an Authorization header for https://github.com. */
function gitAuthEnv(token: string): void {
  const server = process.env.GITHUB_SERVER_URL ?? 'https://github.com';
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  core.setSecret(basic);
  const n = Number(process.env.GIT_CONFIG_COUNT ?? 0);
  process.env.GIT_CONFIG_COUNT = String(n + 1);
  process.env[`GIT_CONFIG_KEY_${n}`] = `http.${server}/.extraheader`;
  process.env[`GIT_CONFIG_VALUE_${n}`] = `AUTHORIZATION: basic ${basic}`;
}

// from the bundle (cloud-run-lock.json beside it): the package is installed on first use into the tool cache
const runtimeLoader = bundledRuntimeLoader<RunModule>(RUNTIME_PACKAGES['cloud-run'], path.dirname(fileURLToPath(import.meta.url)), (l) => core.info(l));
if (runtimeLoader) setCloudRunLoader(runtimeLoader);

/** Runs the action (exported for @github/local-action; the bundle entry calls it). */
export async function run(): Promise<void> {
  await runAction(ACTION, async () => {
    const inputs = readInputs(inputsSchema);
    const project = await loadProject(inputs.project);
    const config = project.config.deploy;
    if (!config) throw new ConfigError('no deploy: section', { location: { file: project.file, field: 'deploy' }, fix: 'Add deploy.environments with the environment to deploy to.' });
    if (inputs['gitops-token']) {
      core.setSecret(inputs['gitops-token']);
      gitAuthEnv(inputs['gitops-token']);
    }
    const token = inputs.token ?? process.env.GITHUB_TOKEN;
    const repository = process.env.GITHUB_REPOSITORY;
    const github = token && repository ? { client: new GitHubClient({ token }), ...parseRepository(repository, 'GITHUB_REPOSITORY') } : undefined;
    if (!github) core.info('no token or GITHUB_REPOSITORY: the deployment is not recorded on GitHub');
    const sha = inputs['source-sha'] ?? process.env.GITHUB_SHA;
    if (!sha) throw new ConfigError('no source commit', { location: { field: 'input "source-sha"' }, fix: 'Pass source-sha (GITHUB_SHA is not set).' });
    const result = await deploy({
      environment: inputs.environment,
      image: inputs.image,
      config,
      baseDir: project.dir,
      name: project.config.name,
      source: { sha, repository, ref: process.env.GITHUB_REF, runUrl: runUrlFromEnv() },
      expectedCurrent: inputs['expected-current'],
      rollback: inputs.rollback,
      force: inputs.force,
      evidence: parseEvidence(inputs.evidence),
      github: github && inputs['record-deployment'] ? github : undefined,
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
    await core.summary
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
