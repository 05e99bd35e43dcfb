/**
 * What the quality history holds: one {@link HistoryRun} per suite run, keyed by repository,
 * branch, commit and time, with its check results, dataset metrics and dataset schemas.
 * Stores (local.ts, git.ts) keep runs as flat rows ({@link HistoryRow}), one Parquet file per run.
 */
import type { ColumnProfile } from '../data/profile.ts';
import type { CheckStatus, Report } from '../report/report.ts';

/** Where a run happened. */
export interface RunIdentity {
  /** `owner/name`, or the directory name for a local repository without a remote. */
  repository: string;
  branch: string;
  commit: string;
  /** When the run happened (default: now). */
  runAt?: Date | undefined;
}

/** One check of a recorded run. */
export interface HistoryCheck {
  id: string;
  type: string;
  dataset: string;
  status: CheckStatus;
  failing_rows: number | null;
  total_rows: number | null;
}

/** One metric of a recorded run: a dataset's `row_count`, or an anomaly check's metric (`mean(delay)`…). */
export interface HistoryMetric {
  dataset: string;
  /** Metric key: `row_count`, `null_ratio(col)`, `distinct_count(col)`, `mean(col)`, `freshness_lag(col)`. */
  name: string;
  value: number;
}

/** One column of a recorded dataset schema. */
export interface HistoryColumn {
  dataset: string;
  name: string;
  type: string;
  /** False when a schema check of the suite declares the column `required`. */
  nullable: boolean;
}

/** A recorded suite run. */
export interface HistoryRun {
  /** Unique id: `<run_at compact>-<commit 7>-<suite>-<random>`, also the run's file name. */
  id: string;
  repository: string;
  branch: string;
  commit: string;
  /** ISO 8601 UTC. */
  run_at: string;
  suite: string;
  checks: HistoryCheck[];
  metrics: HistoryMetric[];
  columns: HistoryColumn[];
}

/** The flat row a store writes (one per check, metric and column of a run; `kind` says which). */
export interface HistoryRow {
  run_id: string;
  repository: string;
  branch: string;
  commit: string;
  run_at: string;
  suite: string;
  kind: 'check' | 'metric' | 'column';
  dataset: string;
  name: string;
  type: string | null;
  status: string | null;
  value: number | null;
  total: number | null;
  nullable: boolean | null;
}

/** The metric key of an anomaly check or profile: `row_count`, or `<metric>(<column>)`. */
export function metricKey(metric: string, column?: string): string {
  return column ? `${metric}(${column})` : metric;
}

/** Epoch ms of a profile's temporal max (`2001-07-01 00:00:00`, `2001-07-01`), read as UTC; undefined otherwise. */
function epochMs(v: unknown): number | undefined {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(v)) return undefined;
  const t = Date.parse(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(v) ? v.replace(' ', 'T') : `${v.replace(' ', 'T')}${v.length > 10 ? 'Z' : 'T00:00:00Z'}`);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * The metrics of a dataset profile: `row_count`, and per column `null_ratio`, `distinct_count`,
 * for numbers `mean`, `stddev`, `min`, `max`, for dates and timestamps `freshness_lag` (seconds
 * from the newest value to the run).
 */
export function profileMetrics(dataset: string, rowCount: number, profile: readonly ColumnProfile[], runAt: Date): HistoryMetric[] {
  const out: HistoryMetric[] = [{ dataset, name: 'row_count', value: rowCount }];
  const add = (name: string, column: string, v: unknown) => {
    if (typeof v === 'number' && Number.isFinite(v)) out.push({ dataset, name: metricKey(name, column), value: v });
  };
  for (const c of profile) {
    add('null_ratio', c.name, rowCount ? c.nulls / rowCount : 0);
    add('distinct_count', c.name, c.distinct);
    add('mean', c.name, c.mean);
    add('stddev', c.name, c.stddev);
    if (typeof c.min === 'number') add('min', c.name, c.min);
    if (typeof c.max === 'number') add('max', c.name, c.max);
    const newest = /^(DATE|TIMESTAMP)/i.test(c.type) ? epochMs(c.max) : undefined;
    if (newest !== undefined) add('freshness_lag', c.name, Math.round((runAt.getTime() - newest) / 1000));
  }
  return out;
}

/** The run record of a report (checks, each dataset's row count and schema, anomaly metrics). */
export function runRecord(report: Report, who: RunIdentity, random: () => number = Math.random): HistoryRun {
  const runAt = who.runAt ?? new Date();
  const compact = runAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const suite = report.suite.name;
  const id = `${compact}-${who.commit.slice(0, 7)}-${suite.replace(/[^A-Za-z0-9_.-]/g, '_')}-${Math.floor(random() * 0xffffff).toString(16).padStart(6, '0')}`;
  const required = new Map<string, Set<string>>();
  for (const c of report.checks) {
    const cols = c.type === 'schema' ? (c.threshold.required as string[] | undefined) : undefined;
    if (cols) required.set(c.dataset.toLowerCase(), new Set(cols.map((x) => x.toLowerCase())));
  }
  const metrics: HistoryMetric[] = [];
  for (const d of report.datasets) if (d.row_count !== null) metrics.push(...profileMetrics(d.name, d.row_count, d.profile ?? [], runAt));
  const have = new Set(metrics.map((m) => `${m.dataset.toLowerCase()}\0${m.name}`));
  for (const c of report.checks) {
    if (c.type !== 'anomaly' || c.observed === null || c.observed === undefined || c.threshold.metric === 'failing_rows') continue;
    const name = metricKey(String(c.threshold.metric), c.threshold.metric === 'row_count' ? undefined : c.columns[0]);
    if (!have.has(`${c.dataset.toLowerCase()}\0${name}`)) metrics.push({ dataset: c.dataset, name, value: c.observed });
  }
  return {
    id,
    repository: who.repository,
    branch: who.branch,
    commit: who.commit,
    run_at: runAt.toISOString(),
    suite,
    checks: report.checks.map((c) => ({ id: c.id, type: c.type, dataset: c.dataset, status: c.status, failing_rows: c.failing_rows, total_rows: c.total_rows })),
    metrics,
    columns: report.datasets.flatMap((d) => (d.schema ?? []).map((col) => ({ dataset: d.name, name: col.name, type: col.type, nullable: !required.get(d.name.toLowerCase())?.has(col.name.toLowerCase()) }))),
  };
}

/** The rows of a run, as stores write them. */
export function toRows(run: HistoryRun): HistoryRow[] {
  const head = { run_id: run.id, repository: run.repository, branch: run.branch, commit: run.commit, run_at: run.run_at, suite: run.suite };
  const none = { type: null, status: null, value: null, total: null, nullable: null };
  return [
    ...run.checks.map((c): HistoryRow => ({ ...head, ...none, kind: 'check', dataset: c.dataset, name: c.id, type: c.type, status: c.status, value: c.failing_rows, total: c.total_rows })),
    ...run.metrics.map((m): HistoryRow => ({ ...head, ...none, kind: 'metric', dataset: m.dataset, name: m.name, value: m.value })),
    ...run.columns.map((c): HistoryRow => ({ ...head, ...none, kind: 'column', dataset: c.dataset, name: c.name, type: c.type, nullable: c.nullable })),
  ];
}

/** Runs from rows (any order), newest first. */
export function fromRows(rows: readonly HistoryRow[]): HistoryRun[] {
  const runs = new Map<string, HistoryRun>();
  for (const r of rows) {
    let run = runs.get(r.run_id);
    if (!run) {
      run = { id: r.run_id, repository: r.repository, branch: r.branch, commit: r.commit, run_at: r.run_at, suite: r.suite, checks: [], metrics: [], columns: [] };
      runs.set(r.run_id, run);
    }
    if (r.kind === 'check') run.checks.push({ id: r.name, type: r.type ?? '', dataset: r.dataset, status: (r.status ?? 'error') as CheckStatus, failing_rows: r.value, total_rows: r.total });
    else if (r.kind === 'metric' && r.value !== null) run.metrics.push({ dataset: r.dataset, name: r.name, value: r.value });
    else if (r.kind === 'column') run.columns.push({ dataset: r.dataset, name: r.name, type: r.type ?? '', nullable: r.nullable !== false });
  }
  return [...runs.values()].sort((a, b) => (a.run_at < b.run_at ? 1 : a.run_at > b.run_at ? -1 : a.id < b.id ? 1 : -1));
}

/** Which runs to read or prune. */
export interface HistoryFilter {
  repository?: string | undefined;
  branch?: string | undefined;
  suite?: string | undefined;
  /** Only runs strictly before this time. */
  before?: Date | undefined;
}

/** A quality history store: local Parquet directory (local.ts) or a branch of a git repository (git.ts). */
export interface HistoryStore {
  /** Where it is, for messages (`.dataops/history`, `git:…#dataops-history`). */
  readonly location: string;
  /** Records a run. */
  append(run: HistoryRun): Promise<void>;
  /** Recorded runs matching `filter`, newest first. */
  list(filter?: HistoryFilter): Promise<HistoryRun[]>;
  /** Removes the runs matching `filter` and returns how many. */
  prune(filter: HistoryFilter & { keep?: number | undefined }): Promise<number>;
  /** Releases what the store holds (engine, clone). */
  close(): Promise<void>;
}

/** Runs of `runs` (newest first) that `filter` selects. */
export function selectRuns(runs: readonly HistoryRun[], filter: HistoryFilter = {}): HistoryRun[] {
  const before = filter.before?.toISOString();
  return runs.filter((r) => (!filter.repository || r.repository === filter.repository) && (!filter.branch || r.branch === filter.branch) && (!filter.suite || r.suite === filter.suite) && (!before || r.run_at < before));
}

/**
 * The runs a prune removes: those `filter` selects, except the newest `keep` of each
 * repository/branch/suite (all of them when keep is unset).
 */
export function runsToPrune(runs: readonly HistoryRun[], filter: HistoryFilter & { keep?: number | undefined }): HistoryRun[] {
  const chosen = selectRuns(runs, filter);
  if (!filter.keep) return chosen;
  const seen = new Map<string, number>();
  const kept = new Set<string>();
  for (const r of selectRuns(runs, { ...filter, before: undefined })) {
    const key = `${r.repository}\0${r.branch}\0${r.suite}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    if (n <= filter.keep) kept.add(r.id);
  }
  return chosen.filter((r) => !kept.has(r.id));
}
