/**
 * Entry of actions/system-test: runs the built image BY DIGEST on fixture inputs (read-only at
 * /data/in), then checks its outputs against `expected/` (golden comparisons) and with quality
 * suites. Reports like data-quality: JSON report, JUnit XML, job summary, annotations, outputs and
 * (with a token allowed `checks: write`) a check run named `dataops system-test`.
 * Settings come from `image.system_test` in dataops.yml (input `project`) and the inputs, which win.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import { z } from 'zod';
import { ChecksPermissionError, publishCheckRun, resolveHeadSha, toCheckRunAnnotations } from '../../core/github/checks.ts';
import { GitHubClient, parseRepository } from '../../core/github/client.ts';
import { runnerSchema } from '../../core/image/system-test-config.ts';
import { loadProject, PROJECT_FILE, type Project } from '../../core/project.ts';
import { checkAnnotations, type Annotation } from '../../core/quality/annotations.ts';
import { writeReport } from '../../core/quality/engine.ts';
import { renderJUnit } from '../../core/quality/junit.ts';
import type { QualityReport } from '../../core/quality/report.ts';
import { failOnSchema } from '../../core/quality/suite.ts';
import { CHECK_RUN_SUMMARY_LIMIT, renderSummary, sortChecks, statusLabel } from '../../core/quality/summary.ts';
import { parseEnvLines, resolveSystemTestOptions } from '../../core/system-test/options.ts';
import { runSystemTest } from '../../core/system-test/run.ts';
import { input, readInputs, runAction } from '../lib/action.ts';
import { emitAnnotations, repoPath, useBundledEngine } from '../lib/report.ts';

const ACTION = 'system-test';
/** Name of the check run this action publishes. */
const CHECK_RUN = 'dataops system-test';

const inputsSchema = z.object({
  image: z.string().min(1),
  'layout-dir': z.string().optional(),
  project: z.string().optional(),
  fixtures: z.string().optional(),
  expected: z.string().optional(),
  'output-dir': z.string().optional(),
  suites: input.list(),
  env: z.string().optional(),
  'timeout-minutes': z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'expected a number of minutes')
    .optional()
    .transform((v) => (v === undefined ? undefined : Number(v))),
  'memory-limit': z
    .string()
    .regex(/^\d+(\.\d+)?[bkmgBKMG]?$/, 'expected a size like "512m" or "2g"')
    .optional(),
  runner: runnerSchema.optional(),
  'fail-on': failOnSchema.optional(),
  samples: input.int(5),
  token: z.string().optional(),
  'check-run': input.boolean(true),
  'report-dir': z.string().optional(),
});

/** The report's annotations, titled as system-test findings. */
function annotations(report: QualityReport): Annotation[] {
  return checkAnnotations([report], { file: repoPath }).map((a) => ({ ...a, title: a.title.replace(/^data-quality /, 'system-test ') }));
}

async function publish(report: QualityReport, token: string | undefined): Promise<void> {
  const repository = process.env.GITHUB_REPOSITORY;
  const headSha = await resolveHeadSha();
  if (!token || !repository || !headSha) {
    core.info(`check run skipped: ${!token ? 'no token' : !repository ? 'GITHUB_REPOSITORY is not set' : 'no commit SHA (GITHUB_SHA)'}`);
    return;
  }
  const { owner, repo } = parseRepository(repository, 'GITHUB_REPOSITORY');
  const client = new GitHubClient({ token, userAgent: 'dataops-actions/system-test' });
  const runUrl = process.env.GITHUB_RUN_ID ? `${process.env.GITHUB_SERVER_URL ?? 'https://github.com'}/${repository}/actions/runs/${process.env.GITHUB_RUN_ID}` : undefined;
  try {
    const published = await publishCheckRun(client, { owner, repo, headSha }, report, {
      name: CHECK_RUN,
      summary: renderSummary([report], { maxBytes: CHECK_RUN_SUMMARY_LIMIT }),
      annotations: toCheckRunAnnotations(annotations(report), repoPath(report.suite.file || PROJECT_FILE)),
      ...(runUrl ? { detailsUrl: runUrl } : {}),
    });
    core.info(`check run "${CHECK_RUN}" ${published.created ? 'created' : 'updated'} (id ${published.id}, ${published.conclusion})`);
  } catch (err) {
    if (err instanceof ChecksPermissionError) core.warning(`${ACTION}: ${err.message} The results are in the job summary and the report.`, { title: `${ACTION}: check run skipped` });
    else core.warning(`${ACTION}: could not publish the check run: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Runs the action (exported for @github/local-action; the bundle entry calls it). */
export async function run(): Promise<void> {
  await runAction(ACTION, async () => {
    const inputs = readInputs(inputsSchema);
    let project: Project | undefined;
    if (inputs.project) project = await loadProject(inputs.project);
    else if (existsSync(PROJECT_FILE)) project = await loadProject(PROJECT_FILE);
    const tmp = process.env.RUNNER_TEMP || os.tmpdir();
    await mkdir(tmp, { recursive: true });
    const outputDir = inputs['output-dir'] ?? (await mkdtemp(path.join(tmp, 'dataops-system-test-out-')));
    const opts = await resolveSystemTestOptions(project, {
      image: inputs.image,
      layoutDir: inputs['layout-dir'],
      fixtures: inputs.fixtures,
      expected: inputs.expected,
      outputDir,
      suites: inputs.suites,
      env: inputs.env ? parseEnvLines(inputs.env, 'input "env"') : undefined,
      timeoutMinutes: inputs['timeout-minutes'],
      memoryLimit: inputs['memory-limit'],
      runner: inputs.runner,
      failOn: inputs['fail-on'],
      samples: inputs.samples,
    });
    for (const [k, v] of Object.entries(opts.env ?? {})) if (v && /token|secret|password|credential|api_?key/i.test(k)) core.setSecret(v);
    useBundledEngine(import.meta.url);
    core.info(`running ${opts.image} on ${opts.fixturesDir} (runner ${opts.runner ?? 'auto'}); outputs in ${opts.outputDir}`);
    const dir = path.resolve(inputs['report-dir'] ?? path.join(tmp, 'dataops-system-test'));
    await mkdir(dir, { recursive: true });
    // a cancelled job (SIGINT, then SIGTERM) stops and removes the container; the report says "interrupted"
    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => controller.abort(signal);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const report = await runSystemTest({ ...opts, logDir: path.join(dir, 'logs'), signal: controller.signal });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);

    // Reports first: everything below must exist even when the step then fails.
    const reportPath = path.join(dir, 'report.json');
    await writeReport(report, reportPath);
    const junitPath = path.join(dir, 'junit.xml');
    await writeFile(junitPath, renderJUnit([report]));

    core.setOutput('status', report.status);
    core.setOutput('failed', report.counts.fail + report.counts.error);
    core.setOutput('report-path', reportPath);
    core.setOutput('junit-path', junitPath);
    core.setOutput('output-dir', opts.outputDir);
    core.setOutput('logs-dir', path.join(dir, 'logs'));

    core.startGroup(`${statusLabel(report.status)} system test of ${opts.image}: ${report.counts.fail} failed, ${report.counts.error} errors, ${report.counts.warn} warned, ${report.counts.pass} passed`);
    for (const e of report.errors) core.info(`  error: ${e}`);
    for (const c of sortChecks(report.checks)) core.info(`  ${statusLabel(c.status).padEnd(8)} ${c.id}: ${c.status === 'error' ? (c.error ?? c.message) : c.message}`);
    core.endGroup();
    emitAnnotations(annotations(report));
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(renderSummary([report], { reportPath })).write();
    if (inputs['check-run']) await publish(report, inputs.token);
    if (report.failed_step) {
      core.setFailed(`${ACTION}: ${report.status} (${report.counts.fail} failed, ${report.counts.error} errors, ${report.counts.warn} warned of ${report.counts.total}) — fail-on: ${report.fail_on}. See the job summary.`);
    }
  });
}
