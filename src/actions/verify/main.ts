/**
 * Entry of actions/verify: smoke checks and the performance budget (`deploy.verify` in
 * dataops.yml) against the digest deployed to staging. Writes the JSON report (check-report
 * family) and the job summary, annotates failed checks, sets the measured figures as outputs and
 * (with `upload: true`) uploads the report as a workflow artifact. The baseline of the last good
 * run is kept in GitHub deployment records (environment `<environment>-perf-baseline`) with
 * `baseline: deployments` (default when a token is given), else in files under
 * `deploy.verify.baseline_dir`.
 */
import path from 'node:path';
import * as core from '../lib/core.ts';
import { z } from 'zod';
import { GitHubDeployments } from '../../core/deploy/deployments.ts';
import { ConfigError } from '../../core/errors.ts';
import { parseImageRef } from '../../core/image/ref.ts';
import { loadProject } from '../../core/project.ts';
import { isLoopbackRegistry } from '../../core/registry/client.ts';
import { DeploymentBaselineStore, FileBaselineStore, type BaselineStore } from '../../core/verify/baseline.ts';
import { verify } from '../../core/verify/verify.ts';
import { input, runActionWith } from '../lib/action.ts';
import { runRepository } from '../lib/github.ts';
import { repoPath, writeJobSummary } from '../lib/report.ts';
import { UPLOAD_INPUTS, uploadIfAsked } from '../lib/upload.ts';

const ACTION = 'verify';

const inputsSchema = z.object({
  image: z.string(),
  project: z.string().default('.'),
  environment: z.string().optional(),
  'layout-dir': z.string().optional(),
  runner: z.enum(['auto', 'docker', 'podman', 'buildah']).default('auto'),
  'tls-verify': input.boolean(true),
  baseline: z.enum(['auto', 'file', 'deployments']).default('auto'),
  'update-baseline': input.boolean(true),
  token: z.string().optional(),
  'report-path': z.string().optional(),
  ...UPLOAD_INPUTS,
});

/** Runs the action (exported for @github/local-action; the bundle entry calls it). */
export async function run(): Promise<void> {
  await runActionWith(ACTION, inputsSchema, async (ctx, inputs) => {
    const { runner } = ctx;
    const project = await loadProject(inputs.project, { workspace: runner.workspace });
    const config = project.config.deploy?.verify;
    if (!config) throw new ConfigError('no deploy.verify section', { location: { file: project.file, field: 'deploy.verify' }, fix: 'Add deploy.verify with smoke and/or performance settings.' });
    const environment = inputs.environment ?? config.environment;
    const github = inputs.baseline === 'file' ? undefined : runRepository(runner, inputs.token, { log: (l) => core.warning(l) });
    if (inputs.baseline === 'deployments' && !github) throw new ConfigError('baseline "deployments" needs a token and GITHUB_REPOSITORY', { location: { field: 'input "token"' }, fix: 'Pass token (deployments: write) or use baseline: file.' });
    const baselines: BaselineStore = github ? new DeploymentBaselineStore(new GitHubDeployments(github)) : new FileBaselineStore(path.resolve(project.dir, config.baseline_dir));
    const ref = parseImageRef(inputs.image);
    const reportPath = path.resolve(inputs['report-path'] ?? path.join(runner.temp, `dataops-verify-${environment}.json`));
    const result = await verify({
      environment,
      image: inputs.image,
      config,
      baseDir: project.dir,
      runOptions: {
        runner: inputs.runner,
        ...(inputs['layout-dir'] ? { layoutDir: inputs['layout-dir'] } : {}),
        ...(!inputs['tls-verify'] || isLoopbackRegistry(ref.registry) ? { registryTlsVerify: false } : {}),
      },
      baselines,
      reportPath,
      sourceSha: runner.github.sha,
      updateBaseline: inputs['update-baseline'],
      engine: { tempDirectory: runner.temp, runtime: ctx.runtime, trace: runner.traceSql },
      log: (m) => core.info(m),
    });
    const m = result.metrics;
    core.setOutput('status', result.status);
    core.setOutput('report-path', reportPath);
    core.setOutput('report-sha256', result.sha256);
    core.setOutput('duration-seconds', m ? String(m.duration_seconds) : '');
    core.setOutput('rows-per-second', m ? String(m.rows_per_second) : '');
    core.setOutput('peak-memory-mb', m?.peak_memory_mb !== undefined ? String(m.peak_memory_mb) : '');
    for (const c of result.report.checks) {
      if (c.status === 'fail' || c.status === 'error') core.error(c.message, { title: `verify ${c.id}`, file: repoPath(project.file, runner), startLine: project.lineOf(['deploy', 'verify']) ?? 1 });
      else if (c.status === 'warn') core.warning(c.message, { title: `verify ${c.id}` });
    }
    await writeJobSummary(runner, [result.report], reportPath);
    await uploadIfAsked(ctx, ACTION, inputs, `dataops-verify-${environment}`, [reportPath], path.dirname(reportPath));
    if (result.status === 'fail' || result.status === 'error') core.setFailed(`${ACTION}: ${environment} verification failed: ${result.report.counts.fail + result.report.counts.error} check(s) failed (report ${reportPath})`);
  });
}
