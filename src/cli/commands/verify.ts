/**
 * `dataops verify`: smoke checks and the performance budget (`deploy.verify` in dataops.yml)
 * against an image BY DIGEST deployed to an environment. Writes a JSON report of the quality
 * family (and optionally a Markdown summary). Exit 0 pass/warn, 1 a check failed, 2 configuration error.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.ts';
import { gitHeadSha, localRecorder } from '../../core/deploy/local.ts';
import { isLoopbackRegistry } from '../../core/registry/client.ts';
import { verifyConfigSchema } from '../../core/deploy/config.ts';
import { loadProject } from '../../core/project.ts';
import { parseImageRef } from '../../core/image/ref.ts';
import { renderSummary } from '../../core/report/summary.ts';
import { DeploymentBaselineStore, FileBaselineStore, type BaselineStore } from '../../core/verify/baseline.ts';
import { verify } from '../../core/verify/verify.ts';
import { GitHubDeployments } from '../../core/deploy/deployments.ts';
import { action, EXIT } from '../errors.ts';
import { color, formatDuration, progress, statusLabel } from '../ui.ts';
import { cliRunner } from '../context.ts';
import { cliGitHub } from '../github.ts';

interface Options {
  image: string;
  project: string;
  environment?: string;
  layoutDir?: string;
  runner?: string;
  storageRoot?: string;
  tlsVerify?: boolean;
  baseline: string;
  updateBaseline: boolean;
  report?: string;
  summary?: string;
  json: boolean;
}

export function register(command: Command): void {
  command
    .requiredOption('-i, --image <ref>', 'image by digest, name@sha256:… (a tag is refused)')
    .option('-p, --project <dir|file>', 'project directory or dataops.yml', '.')
    .option('-e, --environment <name>', 'environment verified (default: deploy.verify.environment)')
    .option('--layout-dir <dir>', 'run the image from this OCI layout (must hold the digest) instead of pulling it')
    .option('--runner <runner>', 'auto | docker | podman | buildah')
    .option('--storage-root <dir>', 'buildah storage root')
    .option('--no-tls-verify', 'pull over plain HTTP (loopback registries; default for 127.0.0.1/localhost)')
    .option('--baseline <store>', 'where the performance baseline is kept: file | deployments (GitHub when GITHUB_TOKEN is set, else the local log)', 'file')
    .option('--no-update-baseline', 'do not store a passing run as the new baseline')
    .option('--report <file>', 'JSON report path', '.dataops/verify-report.json')
    .option('--summary <file>', 'also write the Markdown summary here')
    .option('--json', 'print the JSON report on stdout', false)
    .action(
      action('verify', async (opts: Options) => {
        const project = await loadProject(opts.project, { workspace: cliRunner().workspace });
        const deployCfg = project.config.deploy;
        const config = deployCfg?.verify ?? verifyConfigSchema.parse({});
        if (!deployCfg?.verify) throw new ConfigError('no deploy.verify section', { location: { file: project.file, field: 'deploy.verify' }, fix: 'Add deploy.verify with smoke and/or performance settings (see docs/deploy.md).' });
        const environment = opts.environment ?? config.environment;
        const ref = parseImageRef(opts.image);
        const loopback = isLoopbackRegistry(ref.registry);
        let baselines: BaselineStore;
        if (opts.baseline === 'deployments') {
          const gh = cliGitHub();
          baselines = new DeploymentBaselineStore(gh ? new GitHubDeployments(gh) : localRecorder(project.dir, deployCfg));
        } else if (opts.baseline === 'file') baselines = new FileBaselineStore(path.resolve(project.dir, config.baseline_dir));
        else throw new ConfigError(`"${opts.baseline}" is not a baseline store`, { location: { field: '--baseline' }, fix: 'Use file or deployments.' });
        const reportPath = path.resolve(opts.report ?? '.dataops/verify-report.json');
        const runner = opts.runner as 'auto' | 'docker' | 'podman' | 'buildah' | undefined;
        if (runner && !['auto', 'docker', 'podman', 'buildah'].includes(runner)) throw new ConfigError(`"${runner}" is not a runner`, { location: { field: '--runner' }, fix: 'Use auto, docker, podman or buildah.' });
        const started = performance.now();
        const r = await verify({
          environment,
          image: opts.image,
          config,
          baseDir: project.dir,
          runOptions: {
            ...(opts.layoutDir ? { layoutDir: opts.layoutDir } : {}),
            ...(runner ? { runner } : {}),
            ...(opts.storageRoot ? { storageRoot: opts.storageRoot } : {}),
            ...(opts.tlsVerify === false || loopback ? { registryTlsVerify: false } : {}),
          },
          baselines,
          reportPath,
          sourceSha: (await gitHeadSha(project.dir)) ?? '0'.repeat(40),
          updateBaseline: opts.updateBaseline,
          engine: { tempDirectory: cliRunner().temp, trace: cliRunner().traceSql },
          log: (m) => progress(color.dim(m)),
        });
        if (opts.summary) await writeFile(opts.summary, renderSummary([r.report], { reportPath }));
        if (opts.json) process.stdout.write(JSON.stringify(r.report, null, 2) + '\n');
        else {
          for (const c of r.report.checks) process.stdout.write(`${statusLabel(c.status).padEnd(14)} ${c.id.padEnd(24)} ${c.message}\n`);
          process.stdout.write(`${statusLabel(r.status)} verify ${environment} in ${formatDuration(performance.now() - started)} — report ${path.relative(process.cwd(), reportPath)}${r.baselineUpdated ? ' (baseline updated)' : ''}\n`);
        }
        process.exitCode = r.status === 'fail' || r.status === 'error' ? EXIT.failed : EXIT.ok;
      }),
    );
}
