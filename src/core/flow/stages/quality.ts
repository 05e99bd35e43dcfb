/**
 * Flow stage `quality`: runs the project's data-quality suites (`quality.suites` in dataops.yml)
 * with the project's datasets (quality/run-suites.ts: one report per suite plus `junit.xml` under
 * `<workDir>/quality/`), and hands the reports on in `state.quality`. Failed when a suite fails the
 * step under `quality.fail_on`, warned when a suite warns, passed otherwise; a suite file that is
 * missing or malformed has its error report written, the other suites still run, and then the
 * flow fails as a configuration error. With `quality.history` the runs are judged against the
 * quality history and recorded in it (history/), as the data-quality action does.
 */
import path from 'node:path';
import { openRunHistory, specOfConfig } from '../../history/open.ts';
import { configErrorOf, runSuites, writeSuiteReports } from '../../quality/run-suites.ts';
import type { Stage, StageStatus } from '../types.ts';
import { recordManifests, withStage } from '../../data/record.ts';
import { shortDigest } from '../../hash.ts';

export const qualityStage: Stage = {
  name: 'quality',
  title: 'Data-quality suites on the pipeline datasets',
  async run(ctx) {
    const cfg = ctx.project.config.quality;
    if (!cfg) return { status: 'skipped', summary: 'no quality: section in dataops.yml' };
    const suites = cfg.suites.map((s) => path.resolve(ctx.project.dir, s));
    const history = await openRunHistory(cfg.history ? specOfConfig(cfg.history, ctx.project.dir) : undefined, cfg.fail_on, 'quality.history', {
      cwd: ctx.project.dir,
      env: ctx.runner.env,
      token: ctx.runner.github.token,
      tempDirectory: path.join(ctx.workDir, 'tmp'),
      runtime: ctx.runtime,
      log: (m) => ctx.log(m),
    });
    if (history) ctx.log(`quality history: ${history.store.location} (${history.identity.branch}@${history.identity.commit.slice(0, 7)}, compared with ${history.base ?? history.identity.branch})`);
    const outcome = await runSuites(suites, {
      history,
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
      manifests: true,
      onReport: (report) => {
        const c = report.counts;
        ctx.log(`${report.suite.name}: ${report.status.toUpperCase()} — ${c.pass} pass, ${c.warn} warn, ${c.fail} fail, ${c.error} error`);
        for (const x of report.checks.filter((x) => x.status !== 'pass')) ctx.log(`  ${x.status.toUpperCase()} ${x.id}: ${x.status === 'error' ? (x.error ?? x.message) : x.message}`);
        for (const e of report.errors) ctx.log(`  ERROR ${e}`);
      },
    }).finally(() => history?.store.close());
    const { reports } = outcome;
    const written = await writeSuiteReports(reports, path.join(ctx.workDir, 'quality'));
    ctx.state.quality = { reports: reports.map((r, i) => ({ suite: r.suite.name, status: r.status, reportPath: written.reportPaths[i]!, sha256: written.sha256[i]! })) };
    const seen = new Set<string>();
    const manifests = [...outcome.manifests.values()].flat().filter((m) => !seen.has(m.dataset.name) && seen.add(m.dataset.name));
    const recorded = await recordManifests(path.join(ctx.workDir, 'quality', 'manifests'), 'quality', 'input', manifests);
    ctx.state.data = { ...ctx.state.data, manifests: withStage(ctx.state.data?.manifests, 'quality', recorded) };
    if (recorded.length) ctx.log(`data manifests: ${recorded.map((m) => `${m.dataset} ${shortDigest(m.digest)}`).join(', ')}`);
    if (outcome.failure) throw outcome.failure;
    const configError = configErrorOf(outcome);
    if (configError) throw configError;
    const total = (k: 'pass' | 'warn' | 'fail' | 'error') => reports.reduce((n, r) => n + r.counts[k], 0);
    const status: StageStatus = reports.some((r) => r.failed_step) ? 'failed' : reports.some((r) => r.status !== 'pass') ? 'warned' : 'passed';
    return {
      status,
      summary: `${reports.length} suite${reports.length === 1 ? '' : 's'}: ${total('pass')} pass, ${total('warn')} warn, ${total('fail')} fail, ${total('error')} error`,
      details: Object.fromEntries(ctx.state.quality.reports.map((r) => [`${path.basename(r.reportPath, '.json')} (${r.status})`, path.relative(process.cwd(), r.reportPath)])),
    };
  },
};
