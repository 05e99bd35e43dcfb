/**
 * Baseline-aware verdicts: a suite's report judged against the quality history.
 *
 * - The baseline of a run is the newest recorded run of the same suite on the base branch (on a
 *   pull request: the branch it merges into; on a push: the branch itself, so the previous run).
 *   Every check's verdict names it ({@link CheckResult.baseline}).
 * - `fail-on: new` (code scanning's "new alerts only"): a check that fails or errors now is
 *   `known` when it did so in the baseline too and did not get worse beyond its tolerance (its
 *   failing rows grew by at most `max_failing`, or `max_failing_ratio` of its rows; by none without
 *   a tolerance). Only checks that are not known fail the step. Without a baseline every failure
 *   counts as new.
 * - `type: anomaly`: the value now against the series of the base branch's runs (anomaly.ts).
 * - `schema` with `compatibility`: the dataset's schema now against the baseline's (contract.ts).
 */
import { buildReport, type BaselineRef, type CheckResult, type Report } from '../report/report.ts';
import { anomalyChart, anomalyMessage, detectAnomaly, type AnomalySettings, type SeriesPoint } from './anomaly.ts';
import { breaks, describeChange, schemaChanges, type Compatibility, type ContractColumn } from './contract.ts';
import { metricKey, type HistoryRun } from './record.ts';

/** What {@link judgeWithHistory} compares with. */
export interface HistoryContext {
  /** Recorded runs of the repository (any order; other suites and branches are ignored). */
  runs: readonly HistoryRun[];
  /** Branch this run is on. */
  branch: string;
  /** Branch compared with (a pull request's base). Default: `branch`. */
  base?: string | undefined;
  /** Time of this run: only runs before it count. */
  now: Date;
}

const isBad = (s: string | undefined) => s === 'fail' || s === 'error';
const short = (sha: string) => sha.slice(0, 7);

/** `main@abc1234` */
function refText(b: Pick<BaselineRef, 'branch' | 'commit'>): string {
  return `${b.branch}@${short(b.commit)}`;
}

/** The allowed growth of a known failure's failing rows. */
function allowance(c: CheckResult): number {
  const t = c.threshold;
  const ratio = typeof t.max_failing_ratio === 'number' && c.total_rows !== null ? Math.floor(t.max_failing_ratio * c.total_rows) : 0;
  return Math.max(typeof t.max_failing === 'number' ? t.max_failing : 0, ratio);
}

/** Marks a failing check known or new against the baseline run; adds the baseline to its verdict. */
function compareCheck(c: CheckResult, baseline: HistoryRun | undefined, baseBranch: string): void {
  if (!baseline) {
    c.baseline = null;
    if (isBad(c.status)) {
      c.known = false;
      c.message += ` — new: no recorded run of ${baseBranch} to compare with`;
    }
    return;
  }
  const before = baseline.checks.find((b) => b.id === c.id);
  c.baseline = { branch: baseline.branch, commit: baseline.commit, run_at: baseline.run_at, ...(before ? { status: before.status, failing_rows: before.failing_rows } : {}) };
  if (!isBad(c.status)) return;
  const where = refText(baseline);
  if (!before) {
    c.known = false;
    c.message += ` — new: not in ${where}'s run`;
  } else if (!isBad(before.status)) {
    c.known = false;
    c.message += ` — new: ${before.status} on ${where}`;
  } else if (c.failing_rows !== null && before.failing_rows !== null && c.failing_rows > before.failing_rows + allowance(c)) {
    c.known = false;
    c.message += ` — worse: ${before.failing_rows} failing on ${where}`;
  } else {
    c.known = true;
    c.message += ` — known: ${before.status} on ${where} too`;
  }
}

/** The series of an anomaly check's metric in `runs` (newest first or any order). */
export function metricSeries(runs: readonly HistoryRun[], c: Pick<CheckResult, 'dataset' | 'columns' | 'threshold'>): SeriesPoint[] {
  const metric = String(c.threshold.metric);
  const points: SeriesPoint[] = [];
  const ds = c.dataset.toLowerCase();
  for (const r of runs) {
    let v: number | null | undefined;
    if (metric === 'failing_rows') v = r.checks.find((x) => x.id === c.threshold.check)?.failing_rows;
    else {
      const key = metricKey(metric, metric === 'row_count' ? undefined : c.columns[0]);
      v = r.metrics.find((m) => m.dataset.toLowerCase() === ds && m.name === key)?.value;
    }
    if (v !== null && v !== undefined && Number.isFinite(v)) points.push({ at: r.run_at, value: v });
  }
  return points;
}

/** The settings of an anomaly check, from its result's threshold (the suite's fields, defaults applied by the suite schema). */
export function anomalySettings(c: Pick<CheckResult, 'threshold'>): AnomalySettings {
  const t = c.threshold as Partial<AnomalySettings>;
  return { window: t.window ?? 28, bucket: t.bucket ?? 'run', seasonality: t.seasonality ?? 'none', min_history: t.min_history ?? 7, sensitivity: t.sensitivity ?? 3, direction: t.direction ?? 'both', min_change_percent: t.min_change_percent ?? 0 };
}

/** Judges an anomaly check (its `observed` value) against the base branch's series. */
export function judgeAnomaly(c: CheckResult, report: Report, runs: readonly HistoryRun[], settings: AnomalySettings, now: Date, source: string): void {
  if (c.status === 'error') return;
  const metric = String(c.threshold.metric);
  if (metric === 'failing_rows') c.observed = report.checks.find((x) => x.id === c.threshold.check)?.failing_rows ?? null;
  const what = `${metric}${metric === 'failing_rows' ? ` of ${String(c.threshold.check)}` : c.columns[0] ? ` of ${c.columns[0]}` : ''}`;
  if (c.observed === null || c.observed === undefined) {
    c.status = 'error';
    c.error = metric === 'failing_rows' ? `check "${String(c.threshold.check)}" has no failing rows to follow (unknown id, or it could not run)` : `${what} could not be measured (no rows or no values)`;
    c.message = `check could not run: ${c.error}`;
    return;
  }
  const at = now.toISOString();
  const v = detectAnomaly(c.observed, at, metricSeries(runs, c), settings);
  c.failing_rows = v.anomalous ? 1 : 0;
  c.status = v.anomalous ? (c.severity === 'warn' ? 'warn' : 'fail') : 'pass';
  c.message = anomalyMessage(what, c.observed, v, settings, at, source);
  if (v.enough) Object.assign(c.threshold, { median: v.median, lower: v.lower, upper: v.upper });
  c.chart = anomalyChart(`${what} — ${c.dataset}`, c.observed, at, v);
}

/** Judges a schema contract check against the baseline's recorded columns of its dataset. */
export function judgeContract(c: CheckResult, report: Report, baseline: HistoryRun | undefined, mode: Compatibility, baseBranch: string): void {
  if (c.status === 'error') return;
  const ds = c.dataset.toLowerCase();
  const required = new Set(((c.threshold.required as string[] | undefined) ?? []).map((x) => x.toLowerCase()));
  const head: ContractColumn[] = (report.datasets.find((d) => d.name.toLowerCase() === ds)?.schema ?? []).map((col) => ({ ...col, nullable: !required.has(col.name.toLowerCase()) }));
  const base = baseline?.columns.filter((col) => col.dataset.toLowerCase() === ds) ?? [];
  if (!baseline || base.length === 0) {
    c.message += ` · contract (${mode}): no recorded schema of ${c.dataset} on ${baseBranch} to compare with`;
    return;
  }
  const changes = schemaChanges(base, head);
  const breaking = changes.filter((x) => breaks(x, mode));
  const where = refText(baseline);
  c.failing_rows = (c.failing_rows ?? 0) + breaking.length;
  c.samples = [...c.samples, ...changes.map((x) => ({ column: x.column, problem: x.change, expected: x.from, actual: x.to, breaks: x.breaks.join(', ') || 'nothing' }))];
  const compatible = changes.filter((x) => !breaks(x, mode));
  if (breaking.length) {
    if (c.status === 'pass') c.status = c.severity === 'warn' ? 'warn' : 'fail';
    c.message = `${breaking.length} breaking change${breaking.length === 1 ? '' : 's'} (${mode}) against ${where}: ${breaking.map(describeChange).join('; ')}${compatible.length ? `; compatible: ${compatible.map(describeChange).join('; ')}` : ''}`;
  } else c.message = changes.length ? `compatible (${mode}) with ${where}: ${compatible.map(describeChange).join('; ')}` : `schema unchanged since ${where} (${head.length} columns)`;
}

/**
 * The report judged against the history (see the module doc): anomaly and contract checks
 * decided, every check's baseline named, failures marked known or new; counts, status and
 * `failed_step` recomputed.
 */
export function judgeWithHistory(report: Report, ctx: HistoryContext): Report {
  const baseBranch = ctx.base ?? ctx.branch;
  const before = ctx.now.toISOString();
  const runs = ctx.runs.filter((r) => r.suite === report.suite.name && r.branch === baseBranch && r.run_at < before).sort((a, b) => (a.run_at < b.run_at ? 1 : -1));
  const baseline = runs[0];
  const checks = report.checks.map((c) => ({ ...c, threshold: { ...c.threshold }, samples: [...c.samples] }));
  for (const c of checks) {
    if (c.type === 'anomaly') judgeAnomaly(c, { ...report, checks }, runs, anomalySettings(c), ctx.now, baseBranch);
    else if (c.type === 'schema' && typeof c.threshold.compatibility === 'string') judgeContract(c, report, baseline, c.threshold.compatibility as Compatibility, baseBranch);
  }
  for (const c of checks) compareCheck(c, baseline, baseBranch);
  return buildReport({ engine: report.tool.engine, suite: report.suite, fail_on: report.fail_on, started_at: report.started_at, duration_ms: report.duration_ms, datasets: report.datasets, checks, errors: report.errors });
}
