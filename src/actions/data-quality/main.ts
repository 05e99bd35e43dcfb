/**
 * Logic of actions/data-quality (entry: ../data-quality.ts): runs quality suites on DuckDB, or
 * inside a warehouse of the project's `connections:` (input `engine`; secrets from the step's
 * environment variables the connection names) (src/core/quality/run-suites.ts, the same run as
 * `dataops quality` and the flow) and reports
 * them as the job summary, annotations at the failing checks' suite lines, a JSON report per suite
 * and JUnit XML, outputs, (with a token allowed `checks: write`) one check run per suite, updated
 * in place on re-runs, and (with `upload: true`) a workflow artifact of the reports.
 *
 * The DuckDB engine's native bindings are not bundled (its JavaScript API is: duckdb-api.js): from
 * the bundle they are installed on first use from the pinned `duckdb-lock.json` next to it into the
 * runner's tool cache (src/core/runtime/).
 * A failing suite still writes everything before the step fails; a malformed suite is a
 * configuration error and its report records it.
 */
import path from 'node:path';
import * as core from '../lib/core.ts';
import { z } from 'zod';
import { ConfigError } from '../../core/errors.ts';
import { ENGINE_KINDS, type DialectName } from '../../core/engine/dialect.ts';
import { engineMemoryLimitSchema, identifierSchema } from '../../core/fields.ts';
import { openRunHistory, parseHistorySpec, specOfConfig } from '../../core/history/open.ts';
import { configErrorOf, expandSuites, runSuites, writeSuiteReports } from '../../core/quality/run-suites.ts';
import { checkAnnotations, type Annotation } from '../../core/report/annotations.ts';
import { failOnSchema } from '../../core/report/report.ts';
import { overallStatus } from '../../core/report/summary.ts';
import { RuntimeInstallError } from '../../core/runtime/install.ts';
import { input, runActionWith } from '../lib/action.ts';
import { emitAnnotations, logReport, publishCheckRuns, repoPath, writeJobSummary } from '../lib/report.ts';
import { UPLOAD_INPUTS, uploadIfAsked } from '../lib/upload.ts';

const ACTION = 'data-quality';

const inputsSchema = z.object({
  // one per line only: commas belong to glob braces ({a,b}.yml)
  suite: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  project: z.string().optional(),
  // unset: the project's quality settings, else error / 5
  'fail-on': failOnSchema.optional(),
  samples: input.count(),
  token: z.string().optional(),
  'check-run': input.boolean(true),
  'memory-limit': engineMemoryLimitSchema.optional(),
  engine: z.enum(ENGINE_KINDS as [DialectName, ...DialectName[]]).optional(),
  connection: identifierSchema.optional(),
  now: z
    .string()
    .refine((v) => !Number.isNaN(Date.parse(v)), 'expected an ISO 8601 timestamp like 2026-01-31T12:00:00Z')
    .optional(),
  'report-dir': z.string().optional(),
  ...UPLOAD_INPUTS,
  history: z.string().optional(),
  'base-ref': z.string().optional(),
});

/** Runs the action (entry: ../data-quality.ts, after it enabled the compile cache). */
export async function run(): Promise<void> {
  await runActionWith(ACTION, inputsSchema, async (ctx, inputs) => {
    const { runner } = ctx;
    // only with a project: every stage's settings schema (project.ts) stays out of the cold start
    const project = inputs.project ? await (await import('../../core/project.ts')).loadProject(inputs.project, { workspace: runner.workspace }) : undefined;
    const settings = project?.config.quality;
    const failOn = inputs['fail-on'] ?? settings?.fail_on ?? 'error';
    let patterns = inputs.suite;
    if (patterns.length === 0 && project) patterns = (settings?.suites ?? []).map((s) => path.relative(process.cwd(), path.resolve(project.dir, s)) || s);
    if (patterns.length === 0) {
      throw new ConfigError('no suite given', { location: { field: 'input "suite"' }, fix: 'Set "suite:" to suite file(s) or glob(s), one per line, or "project:" to a dataops.yml with quality.suites.' });
    }
    const suites = await expandSuites(patterns, 'input "suite"');
    const memoryLimit = inputs['memory-limit'] ?? settings?.memory_limit;
    const spec = inputs.history ? (inputs.history === 'none' ? undefined : parseHistorySpec(inputs.history)) : settings?.history && project ? specOfConfig(settings.history, project.dir) : undefined;
    const history = await openRunHistory(spec, failOn, 'input "history"', {
      cwd: runner.workspace ?? process.cwd(),
      env: runner.env,
      token: inputs.token,
      tempDirectory: runner.temp,
      runtime: ctx.runtime,
      log: (m) => core.info(m),
      overrides: { base: inputs['base-ref'] },
    });
    if (history) core.info(`quality history: ${history.store.location} (${history.identity.branch}@${history.identity.commit.slice(0, 7)}, compared with ${history.base ?? history.identity.branch})`);
    const engine = inputs.engine ?? settings?.engine;
    const connection = inputs.connection ?? settings?.connection;
    const outcome = await runSuites(suites, {
      history,
      project: project ? { datasets: project.config.datasets, dir: project.dir, connections: project.config.connections } : undefined,
      ...(engine ? { engine } : {}),
      ...(connection ? { connection } : {}),
      failOn,
      samples: inputs.samples ?? settings?.samples ?? 5,
      ...(inputs.now ? { now: new Date(inputs.now) } : {}),
      ...(memoryLimit ? { memoryLimit } : {}),
      tempDirectory: runner.temp,
      // datasets read inside the checked-out repository only
      root: runner.workspace,
      runtime: ctx.runtime,
      trace: runner.traceSql,
    }).finally(() => history?.store.close());
    const { reports } = outcome;

    // Reports first: everything below must exist even when the step then fails.
    const dir = path.resolve(inputs['report-dir'] ?? path.join(runner.temp, 'dataops-quality'));
    const written = await writeSuiteReports(reports, dir);
    const sum = (k: 'fail' | 'warn' | 'error' | 'pass') => reports.reduce((n, r) => n + r.counts[k], 0);
    core.setOutput('status', overallStatus(reports));
    core.setOutput('failed', sum('fail'));
    core.setOutput('warned', sum('warn'));
    core.setOutput('errored', sum('error') + reports.reduce((n, r) => n + r.errors.length, 0));
    core.setOutput('passed', sum('pass'));
    core.setOutput('report-path', written.reportPaths.join('\n'));
    core.setOutput('junit-path', written.junitPath);

    for (const r of reports) logReport(`suite ${r.suite.name} (${r.suite.file})`, r);
    const file = (f: string) => repoPath(f, runner);
    emitAnnotations(checkAnnotations(reports, { file }));
    await writeJobSummary(runner, reports, written.reportPaths.length === 1 ? written.reportPaths[0]! : dir);
    core.info(`reports: ${written.reportPaths.join(', ')}; JUnit: ${written.junitPath}`);
    if (inputs['check-run']) {
      await publishCheckRuns(runner, reports, {
        action: ACTION,
        token: inputs.token,
        annotations: (r) => [
          ...(outcome.configErrors.get(r) ?? []).map((e): Annotation => ({ level: 'error', title: `${ACTION}: configuration error`, message: e.message, file: file(e.location.file ?? r.suite.file), ...(e.location.line ? { line: e.location.line } : {}) })),
          ...checkAnnotations([r], { file }),
        ],
        fallbackFile: (r) => file(r.suite.file),
      });
    }
    await uploadIfAsked(ctx, ACTION, inputs, 'dataops-quality', [...written.reportPaths, written.junitPath], dir);

    if (outcome.failure instanceof RuntimeInstallError) {
      core.setFailed(`${ACTION}: the DuckDB engine could not be installed: ${outcome.failure.message}`);
      return;
    }
    if (outcome.failure) throw outcome.failure;
    const configError = configErrorOf(outcome);
    if (configError) throw configError;
    const failing = reports.filter((r) => r.failed_step);
    if (failing.length) {
      core.setFailed(
        `${ACTION}: ${failing.map((r) => `suite ${r.suite.name} ${r.status} (${r.counts.fail} failed, ${r.counts.error} errors, ${r.counts.warn} warned of ${r.counts.total})`).join('; ')} — fail-on: ${failOn}. See the job summary.`,
      );
    }
  });
}
