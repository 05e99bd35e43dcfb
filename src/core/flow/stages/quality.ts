/**
 * Flow stage `quality`: runs the project's data-quality suites (`quality.suites` in dataops.yml)
 * with the project's datasets (quality/run-suites.ts: one report per suite plus `junit.xml` under
 * `<workDir>/quality/`), and hands the reports on in `state.quality`. Failed when a suite fails the
 * step under `quality.fail_on`, warned when a suite warns, passed otherwise; a suite file that is
 * missing or malformed has its error report written, the other suites still run, and then the
 * flow fails as a configuration error.
 */
import path from 'node:path';
import { configErrorOf, runSuites, writeSuiteReports } from '../../quality/run-suites.ts';
import type { Stage, StageStatus } from '../types.ts';

export const qualityStage: Stage = {
  name: 'quality',
  title: 'Data-quality suites on the pipeline datasets',
  async run(ctx) {
    const cfg = ctx.project.config.quality;
    if (!cfg) return { status: 'skipped', summary: 'no quality: section in dataops.yml' };
    const suites = cfg.suites.map((s) => path.resolve(ctx.project.dir, s));
    const outcome = await runSuites(suites, {
      project: { datasets: ctx.project.config.datasets, dir: ctx.project.dir, connections: ctx.project.config.connections },
      ...(cfg.engine ? { engine: cfg.engine } : {}),
      ...(cfg.connection ? { connection: cfg.connection } : {}),
      now: ctx.now,
      samples: cfg.samples,
      failOn: cfg.fail_on,
      memoryLimit: cfg.memory_limit,
      root: ctx.runner.workspace,
      tempDirectory: path.join(ctx.workDir, 'tmp'),
      runtime: ctx.runtime,
      trace: ctx.runner.traceSql,
      onReport: (report) => {
        const c = report.counts;
        ctx.log(`${report.suite.name}: ${report.status.toUpperCase()} — ${c.pass} pass, ${c.warn} warn, ${c.fail} fail, ${c.error} error`);
        for (const x of report.checks.filter((x) => x.status !== 'pass')) ctx.log(`  ${x.status.toUpperCase()} ${x.id}: ${x.status === 'error' ? (x.error ?? x.message) : x.message}`);
        for (const e of report.errors) ctx.log(`  ERROR ${e}`);
      },
    });
    const { reports } = outcome;
    const written = await writeSuiteReports(reports, path.join(ctx.workDir, 'quality'));
    ctx.state.quality = { reports: reports.map((r, i) => ({ suite: r.suite.name, status: r.status, reportPath: written.reportPaths[i]!, sha256: written.sha256[i]! })) };
    if (outcome.failure) throw outcome.failure;
    const configError = configErrorOf(outcome);
    if (configError) throw configError;
    const total = (k: 'pass' | 'warn' | 'fail' | 'error') => reports.reduce((n, r) => n + r.counts[k], 0);
    const status: StageStatus = reports.some((r) => r.failed_step) ? 'failed' : reports.some((r) => r.status !== 'pass') ? 'warned' : 'passed';
    return {
      status,
      summary: `${reports.length} suite${reports.length === 1 ? '' : 's'}: ${total('pass')} pass, ${total('warn')} warn, ${total('fail')} fail, ${total('error')} error`,
      details: Object.fromEntries(ctx.state.quality.reports.map((r) => [`${r.suite} (${r.status})`, path.relative(process.cwd(), r.reportPath)])),
    };
  },
};
