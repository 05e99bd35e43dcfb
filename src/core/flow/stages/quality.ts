/**
 * Flow stage `quality`: runs the project's data-quality suites (`quality.suites` in dataops.yml)
 * with the project's datasets, writes one JSON report per suite plus `junit.xml` under
 * `<workDir>/quality/`, and hands the reports on in `state.quality`. Failed when a suite fails the
 * step under `quality.fail_on`, warned when a suite warns, passed otherwise; a suite file that is
 * missing or malformed has its error report written and then fails the flow as a configuration error.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isConfigError } from '../../errors.ts';
import { sha256 } from '../../hash.ts';
import { errorReport, runSuite } from '../../quality/engine.ts';
import { renderJUnit } from '../../quality/junit.ts';
import type { QualityReport } from '../../quality/report.ts';
import type { Stage, StageStatus } from '../types.ts';

export const qualityStage: Stage = {
  name: 'quality',
  title: 'Data-quality suites on the pipeline datasets',
  async run(ctx) {
    const cfg = ctx.project.config.quality;
    if (!cfg) return { status: 'skipped', summary: 'no quality: section in dataops.yml' };
    const outDir = path.join(ctx.workDir, 'quality');
    await mkdir(outDir, { recursive: true });
    const reports: QualityReport[] = [];
    const state: NonNullable<typeof ctx.state.quality> = { reports: [] };
    ctx.state.quality = state;
    const save = async (report: QualityReport) => {
      const text = JSON.stringify(report, null, 2) + '\n';
      const reportPath = path.join(outDir, `${report.suite.name}.json`);
      await writeFile(reportPath, text);
      reports.push(report);
      state.reports.push({ suite: report.suite.name, status: report.status, reportPath, sha256: sha256(text) });
      return reportPath;
    };
    for (const suite of cfg.suites) {
      const suiteFile = path.resolve(ctx.project.dir, suite);
      ctx.log(`suite ${suite}`);
      let report: QualityReport;
      try {
        report = await runSuite({
          suiteFile,
          projectDatasets: ctx.project.config.datasets,
          projectDir: ctx.project.dir,
          now: ctx.now,
          samples: cfg.samples,
          failOn: cfg.fail_on,
          memoryLimit: cfg.memory_limit,
          tempDirectory: path.join(ctx.workDir, 'tmp'),
        });
      } catch (err) {
        if (!isConfigError(err)) throw err;
        await save(errorReport(suiteFile, err, cfg.fail_on));
        await writeFile(path.join(outDir, 'junit.xml'), renderJUnit(reports));
        throw err;
      }
      await save(report);
      const c = report.counts;
      ctx.log(`${report.suite.name}: ${report.status.toUpperCase()} — ${c.pass} pass, ${c.warn} warn, ${c.fail} fail, ${c.error} error`);
      for (const x of report.checks.filter((x) => x.status !== 'pass')) ctx.log(`  ${x.status.toUpperCase()} ${x.id}: ${x.status === 'error' ? (x.error ?? x.message) : x.message}`);
      for (const e of report.errors) ctx.log(`  ERROR ${e}`);
    }
    await writeFile(path.join(outDir, 'junit.xml'), renderJUnit(reports));
    const total = (k: 'pass' | 'warn' | 'fail' | 'error') => reports.reduce((n, r) => n + r.counts[k], 0);
    const status: StageStatus = reports.some((r) => r.failed_step) ? 'failed' : reports.some((r) => r.status !== 'pass') ? 'warned' : 'passed';
    return {
      status,
      summary: `${reports.length} suite${reports.length === 1 ? '' : 's'}: ${total('pass')} pass, ${total('warn')} warn, ${total('fail')} fail, ${total('error')} error`,
      details: Object.fromEntries(state.reports.map((r) => [`${r.suite} (${r.status})`, path.relative(process.cwd(), r.reportPath)])),
    };
  },
};
