/**
 * Entry of actions/system-test: runs the built image BY DIGEST on fixture inputs (read-only at
 * /data/in), then checks its outputs against `expected/` (golden comparisons) and with quality
 * suites. Reports like data-quality: JSON report, JUnit XML, job summary, annotations, outputs,
 * (with a token allowed `checks: write`) a check run named `dataops system-test`, and (with
 * `upload: true`) a workflow artifact of the reports and the container's logs.
 * Settings come from `image.system_test` in dataops.yml (input `project`) and the inputs, which win.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '../lib/core.ts';
import { z } from 'zod';
import { containerMemorySchema } from '../../core/fields.ts';
import { runnerSchema } from '../../core/image/system-test-config.ts';
import { loadProject, PROJECT_FILE } from '../../core/project.ts';
import { checkAnnotations, type Annotation } from '../../core/report/annotations.ts';
import { renderJUnit } from '../../core/report/junit.ts';
import { failOnSchema, writeReport, type Report } from '../../core/report/report.ts';
import { parseEnvLines, resolveSystemTestOptions } from '../../core/system-test/options.ts';
import { runSystemTest } from '../../core/system-test/run.ts';
import { input, runActionWith } from '../lib/action.ts';
import { emitAnnotations, logReport, publishCheckRuns, repoPath, writeJobSummary } from '../lib/report.ts';
import { filesUnder, UPLOAD_INPUTS, uploadIfAsked } from '../lib/upload.ts';

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
  'memory-limit': containerMemorySchema.optional(),
  runner: runnerSchema.optional(),
  'fail-on': failOnSchema.optional(),
  samples: input.int(5),
  token: z.string().optional(),
  'check-run': input.boolean(true),
  'report-dir': z.string().optional(),
  ...UPLOAD_INPUTS,
});

/** Runs the action (exported for @github/local-action; the bundle entry calls it). */
export async function run(): Promise<void> {
  await runActionWith(ACTION, inputsSchema, async (ctx, inputs) => {
    const { runner } = ctx;
    const projectFile = inputs.project ?? (existsSync(PROJECT_FILE) ? PROJECT_FILE : undefined);
    const project = projectFile ? await loadProject(projectFile, { workspace: runner.workspace }) : undefined;
    await mkdir(runner.temp, { recursive: true });
    const outputDir = inputs['output-dir'] ?? (await mkdtemp(path.join(runner.temp, 'dataops-system-test-out-')));
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
    core.info(`running ${opts.image} on ${opts.fixturesDir} (runner ${opts.runner ?? 'auto'}); outputs in ${opts.outputDir}`);
    const dir = path.resolve(inputs['report-dir'] ?? path.join(runner.temp, 'dataops-system-test'));
    await mkdir(dir, { recursive: true });
    // a cancelled job (SIGINT, then SIGTERM) stops and removes the container; the report says "interrupted"
    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => controller.abort(signal);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const report = await runSystemTest({ ...opts, logDir: path.join(dir, 'logs'), signal: controller.signal, engine: { tempDirectory: runner.temp, runtime: ctx.runtime, trace: runner.traceSql }, root: runner.workspace });
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

    logReport(`system test of ${opts.image}`, report);
    /** The report's annotations, titled as system-test findings. */
    const annotations = (r: Report): Annotation[] => checkAnnotations([r], { file: (f) => repoPath(f, runner) }).map((a) => ({ ...a, title: a.title.replace(/^data-quality /, 'system-test ') }));
    emitAnnotations(annotations(report));
    await writeJobSummary(runner, [report], reportPath);
    if (inputs['check-run']) await publishCheckRuns(runner, [report], { action: ACTION, token: inputs.token, name: () => CHECK_RUN, annotations, fallbackFile: (r) => repoPath(r.suite.file || PROJECT_FILE, runner) });
    await uploadIfAsked(ctx, ACTION, inputs, 'dataops-system-test', () => filesUnder(dir), dir);
    if (report.failed_step) {
      core.setFailed(`${ACTION}: ${report.status} (${report.counts.fail} failed, ${report.counts.error} errors, ${report.counts.warn} warned of ${report.counts.total}) — fail-on: ${report.fail_on}. See the job summary.`);
    }
  });
}
