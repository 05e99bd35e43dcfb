/**
 * Entry of actions/verify: smoke checks and the performance budget (`deploy.verify` in
 * dataops.yml) against the digest deployed to staging. Writes the JSON report (quality-report
 * family) and the job summary, annotates failed checks, and sets the measured figures as outputs.
 * The baseline of the last good run is kept in GitHub deployment records (environment
 * `<environment>-perf-baseline`) with `baseline: deployments` (default when a token is given):
 * `@actions/artifact` cannot be installed from this project's registry mirror.
 */
import os from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import { z } from 'zod';
import { GitHubDeployments } from '../../core/deploy/deployments.ts';
import { ConfigError } from '../../core/errors.ts';
import { GitHubClient, parseRepository } from '../../core/github/client.ts';
import { parseImageRef } from '../../core/image/ref.ts';
import { loadProject } from '../../core/project.ts';
import { renderSummary } from '../../core/quality/summary.ts';
import { DeploymentBaselineStore, FileBaselineStore, type BaselineStore } from '../../core/verify/baseline.ts';
import { verify } from '../../core/verify/verify.ts';
import { input, readInputs, runAction } from '../lib/action.ts';
import { repoPath, useBundledEngine } from '../lib/report.ts';

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
});

/** Runs the action (exported for @github/local-action; the bundle entry calls it). */
export async function run(): Promise<void> {
  await runAction(ACTION, async () => {
    const inputs = readInputs(inputsSchema);
    useBundledEngine(import.meta.url);
    const project = await loadProject(inputs.project);
    const config = project.config.deploy?.verify;
    if (!config) throw new ConfigError('no deploy.verify section', { location: { file: project.file, field: 'deploy.verify' }, fix: 'Add deploy.verify with smoke and/or performance settings.' });
    const environment = inputs.environment ?? config.environment;
    const token = inputs.token ?? process.env.GITHUB_TOKEN;
    const repository = process.env.GITHUB_REPOSITORY;
    let baselines: BaselineStore;
    if (inputs.baseline === 'deployments' || (inputs.baseline === 'auto' && token && repository)) {
      if (!token || !repository) throw new ConfigError('baseline "deployments" needs a token and GITHUB_REPOSITORY', { location: { field: 'input "token"' }, fix: 'Pass token (deployments: write) or use baseline: file.' });
      const { owner, repo } = parseRepository(repository, 'GITHUB_REPOSITORY');
      baselines = new DeploymentBaselineStore(new GitHubDeployments(new GitHubClient({ token }), owner, repo));
    } else baselines = new FileBaselineStore(path.resolve(project.dir, config.baseline_dir));
    const ref = parseImageRef(inputs.image);
    const loopback = /^(127\.|localhost|\[::1\])/.test(ref.registry);
    const reportPath = path.resolve(inputs['report-path'] ?? path.join(process.env.RUNNER_TEMP ?? os.tmpdir(), `dataops-verify-${environment}.json`));
    const result = await verify({
      environment,
      image: inputs.image,
      config,
      baseDir: project.dir,
      runOptions: {
        runner: inputs.runner,
        ...(inputs['layout-dir'] ? { layoutDir: inputs['layout-dir'] } : {}),
        ...(!inputs['tls-verify'] || loopback ? { registryTlsVerify: false } : {}),
      },
      baselines,
      reportPath,
      sourceSha: process.env.GITHUB_SHA,
      updateBaseline: inputs['update-baseline'],
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
      if (c.status === 'fail' || c.status === 'error') core.error(c.message, { title: `verify ${c.id}`, file: repoPath(project.file), startLine: project.lineOf(['deploy', 'verify']) ?? 1 });
      else if (c.status === 'warn') core.warning(c.message, { title: `verify ${c.id}` });
    }
    await core.summary.addRaw(renderSummary([result.report], { reportPath })).write();
    if (result.status === 'fail' || result.status === 'error') core.setFailed(`${ACTION}: ${environment} verification failed: ${result.report.counts.fail + result.report.counts.error} check(s) failed (report ${reportPath})`);
  });
}
