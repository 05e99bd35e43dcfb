/**
 * `dataops deploy`: deploys an image BY DIGEST to an environment of `deploy:` in dataops.yml
 * (GitOps overlay, Kubernetes, Cloud Run or a command), or rolls it back to the previous digest
 * of its recorded history. Exit 0 deployed (or already deployed), 1 the deploy failed,
 * 2 configuration error (tag-only image, unknown environment, a conflict: the environment does
 * not run the expected digest).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError, isConfigError } from '../../core/errors.ts';
import { deploy, deployHistory } from '../../core/deploy/deploy.ts';
import { ensureLocalGitOpsRepository, gitHeadSha, localRecorder } from '../../core/deploy/local.ts';
import { shortDigest } from '../../core/hash.ts';
import { runUrl } from '../../core/runner-context.ts';
import { loadProject } from '../../core/project.ts';
import { action, EXIT, reportError } from '../errors.ts';
import { color, progress } from '../ui.ts';
import { cliRunner } from '../context.ts';
import { cliGitHub } from '../github.ts';

interface Options {
  environment: string;
  image?: string;
  project: string;
  rollback: boolean;
  force: boolean;
  expectCurrent?: string;
  sourceSha?: string;
  evidence: string[];
  history: boolean;
  json: boolean;
  createRepo: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** `name=status[=sha256:…]` evidence flags. */
function parseEvidence(values: string[]): Array<{ name: string; status: string; sha256?: string }> {
  return values.map((v) => {
    const [name, status, sha] = v.split('=');
    if (!name || !status) throw new ConfigError(`"${v}" is not name=status[=sha256:…]`, { location: { field: '--evidence' }, fix: 'Write e.g. --evidence quality=pass --evidence system-test=pass.' });
    return { name, status, ...(sha ? { sha256: sha } : {}) };
  });
}

export function register(command: Command): void {
  command
    .requiredOption('-e, --environment <name>', 'environment of deploy.environments in dataops.yml (staging, production…)')
    .option('-i, --image <ref>', 'image by digest, name@sha256:… (a tag is refused); optional with --rollback')
    .option('-p, --project <dir|file>', 'project directory or dataops.yml', '.')
    .option('--rollback', 're-deploy the previous digest of the recorded history (or --image, stating a rollback)', false)
    .option('--force', 'deploy even when the environment does not run the expected digest (e.g. after a manual rollback)', false)
    .option('--expect-current <digest>', 'digest the environment must run now ("none" for a first deploy); default: the last automated deploy')
    .option('--source-sha <sha>', 'commit the image was built from (default: HEAD of the project repository)')
    .option('--evidence <name=status[=sha256]>', 'evidence shown on the deployment record (repeatable)', collect, [])
    .option('--history', 'print the recorded history of the environment instead of deploying', false)
    .option('--create-repo', 'create a local GitOps repository from <project>/deploy/ when it does not exist', false)
    .option('--json', 'print the result as JSON on stdout', false)
    .action(
      action('deploy', async (opts: Options) => {
        const project = await loadProject(opts.project, { workspace: cliRunner().workspace });
        const config = project.config.deploy;
        if (!config) throw new ConfigError('no deploy: section', { location: { file: project.file, field: 'deploy' }, fix: 'Add deploy.environments with at least one environment (see docs/deploy.md).' });
        const runner = cliRunner();
        const github = cliGitHub();
        const recorder = github ? undefined : localRecorder(project.dir, config);
        const env = config.environments[opts.environment];
        if (opts.createRepo && env) await ensureLocalGitOpsRepository(env, project.dir, path.join(project.dir, 'deploy'));
        if (opts.history) {
          const { history, current } = await deployHistory({ environment: opts.environment, config, baseDir: project.dir, name: project.config.name, github, recorder });
          if (opts.json) process.stdout.write(JSON.stringify({ current, history }, null, 2) + '\n');
          else {
            process.stdout.write(`${opts.environment} runs ${current ?? 'nothing yet'}\n`);
            for (const h of history) process.stdout.write(`${h.at}  ${h.digest ? shortDigest(h.digest) : '(manual)    '}  ${h.rollbackFrom ? 'rollback ' : ''}${h.commit?.slice(0, 12) ?? `#${h.deploymentId}`}  ${h.subject ?? ''}\n`);
          }
          return;
        }
        const sha = opts.sourceSha ?? (await gitHeadSha(project.dir)) ?? '0'.repeat(40);
        try {
          const r = await deploy({
            environment: opts.environment,
            image: opts.image,
            config,
            baseDir: project.dir,
            name: project.config.name,
            source: { sha, repository: runner.github.repository, runUrl: runUrl(runner.github) },
            expectedCurrent: opts.expectCurrent,
            rollback: opts.rollback,
            force: opts.force,
            evidence: parseEvidence(opts.evidence),
            github,
            recorder,
            workspace: runner.workspace,
            log: (m) => progress(color.dim(m)),
          });
          if (opts.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
          else {
            const what = r.unchanged ? 'already runs' : r.pullRequestUrl ? 'pull request opened for' : r.rollback ? 'rolled back to' : 'now runs';
            process.stdout.write(`${opts.environment} ${what} ${r.image}\n`);
            if (r.previousDigest && !r.unchanged) process.stdout.write(`  replaced  ${r.previousDigest}\n`);
            if (r.commitSha) process.stdout.write(`  commit    ${r.commitSha}\n`);
            if (r.pullRequestUrl) process.stdout.write(`  pull      ${r.pullRequestUrl}\n`);
            if (r.deploymentId !== undefined) process.stdout.write(`  recorded  deployment ${r.deploymentId} (${r.recordedIn})\n`);
            for (const n of r.notes) process.stdout.write(`  note      ${n}\n`);
          }
        } catch (err) {
          if (isConfigError(err)) throw err;
          // the target failed (push refused, rollout failed, command exited non-zero): a failed deploy, not a bug
          if (err instanceof Error && (/Deploy|Kubernetes|Command|Git/.test(err.name) || err.name === 'HttpError')) {
            progress(`dataops deploy: ${opts.environment} deploy failed: ${err.message}`);
            process.exitCode = EXIT.failed;
            return;
          }
          reportError('deploy', err);
        }
      }),
    );
}
