/**
 * The report of a stage that runs checks (format version 1): what ran, on which data, with what
 * verdict. Data-quality suites, the system test and staging verification all write it (their
 * checks carry their own `type`s); it is written as JSON and rendered as job summary
 * (summary.ts), annotations (annotations.ts), JUnit XML (junit.ts) and check runs.
 *
 * {@link buildReport} is the one place the envelope is put together: the tool that wrote it
 * ({@link TOOL}, its version read once from package.json), the counts, the overall status (the
 * worst check, `error` when the stage itself hit errors) and whether the step fails under
 * `fail_on`, in the key order a reader (or a truncated log) needs: verdict first, details after.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import pkg from '../../../package.json' with { type: 'json' };
import type { ColumnProfile } from '../data/profile.ts';

/** How bad a failing check is: `error` fails the step under the default `fail-on: error`, `warn` reports only. */
export const severitySchema = z.enum(['error', 'warn']).describe('error: a failure fails the step (with fail-on: error). warn: reported as a warning.');
export type Severity = z.output<typeof severitySchema>;

/**
 * Which outcome fails the step: any `error`-status or failing error-severity check (`error`); also
 * warnings (`warn`); `never`; or `new`: like `error`, but only checks that fail anew against the
 * base branch's latest recorded run (not {@link CheckResult.known}).
 */
export const failOnSchema = z.enum(['error', 'warn', 'never', 'new']);
export type FailOn = z.output<typeof failOnSchema>;

/** Verdict of one check. `error`: the check itself could not run (bad SQL, missing column, unreadable file), never a data verdict. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'error';

/** The tool that writes reports, SARIF and labels: name and version (package.json). */
export const TOOL = { name: 'dataops-actions', version: pkg.version } as const;

/**
 * The one order of statuses: pass < warn < fail < error. A stage's status is the highest of its
 * checks; displays list the highest first ({@link byStatus}).
 */
export const STATUS_RANK: Readonly<Record<CheckStatus, number>> = { pass: 0, warn: 1, fail: 2, error: 3 };

/** The worst of `statuses` ({@link STATUS_RANK}); `pass` for none. */
export function worstStatus(statuses: Iterable<CheckStatus>): CheckStatus {
  let worst: CheckStatus = 'pass';
  for (const s of statuses) if (STATUS_RANK[s] > STATUS_RANK[worst]) worst = s;
  return worst;
}

/** Sorts items failures first (error, fail, warn, pass), keeping their order within a status. */
export function byStatus<T>(items: readonly T[], statusOf: (item: T) => CheckStatus): T[] {
  return items
    .map((item, i) => [item, i] as const)
    .sort(([a, i], [b, j]) => STATUS_RANK[statusOf(b)] - STATUS_RANK[statusOf(a)] || i - j)
    .map(([item]) => item);
}

/** A dataset as read for the report. */
export interface DatasetReport {
  name: string;
  /** `file` (paths/globs), `sql` (a query over other datasets) or `table` (a warehouse table, checked where it lives). */
  kind: 'file' | 'sql' | 'table';
  /** Paths as declared (files), the SQL text, or the table name. */
  source: string | string[];
  format?: string;
  /** Files actually matched, relative to the suite directory. */
  files?: string[];
  /** Rows read; null when the dataset could not be read. */
  row_count: number | null;
  /** `sha256:` over the matched files' bytes in path order; null for SQL datasets or unreadable files. */
  content_hash: string | null;
  /** Why the dataset could not be read (the checks on it end in `error`). */
  error?: string;
  /** `sha256:` of the dataset's data manifest (src/core/data/manifest.ts) when the run wrote one. */
  manifest_digest?: string;
  /** Columns and their DuckDB types, in table order (recorded in the quality history for schema contracts). */
  schema?: Array<{ name: string; type: string }>;
  /** Column profiles (nulls, distinct, min/max, mean/stddev; PII columns counts only), when the run profiles its datasets (quality history). */
  profile?: ColumnProfile[];
}

/** The recorded run a check was compared with (quality history, `fail-on: new`, schema contracts, anomaly checks). */
export interface BaselineRef {
  branch: string;
  commit: string;
  /** ISO 8601 time of the run. */
  run_at: string;
  /** The check's status in that run; absent when the check did not exist then. */
  status?: CheckStatus;
  failing_rows?: number | null;
}

/** Result of one check. */
export interface CheckResult {
  id: string;
  /** A suite check type, or another stage's (golden_row_count, container_run, budget_duration…). */
  type: string;
  dataset: string;
  columns: string[];
  severity: Severity;
  description?: string;
  status: CheckStatus;
  /** Rows that violate the check (for row_count and freshness: 1 when violated, 0 otherwise; unique: rows beyond the first of each key). */
  failing_rows: number | null;
  /**
   * Distinct failing keys or values, next to `failing_rows`, so users of other tools read the
   * number they know (docs/quality.md): unique → keys that occur more than once (dbt `unique`,
   * Soda `duplicate_count`); accepted_values, range, regex → distinct failing values (dbt
   * `accepted_values`); relationships → distinct keys without a match. Computed for checks that
   * did not pass (and 0 when no row failed); absent for a pass within tolerance and for other
   * check types; null when it could not be computed.
   */
  failing_distinct?: number | null;
  /** unique only: every row whose key is duplicated, first occurrences included (Great Expectations' unexpected_count). */
  failing_key_rows?: number | null;
  /** Rows checked (after `where`). */
  total_rows: number | null;
  /** The tolerance and bounds applied, as written in the suite. */
  threshold: { max_failing?: number; max_failing_ratio?: number; [k: string]: unknown };
  /** Up to N failing rows; PII columns masked. */
  samples: Array<Record<string, unknown>>;
  /** Human sentence: what was observed. */
  message: string;
  /** Error text when status is `error`. */
  error?: string;
  /** 1-based line of the check in the suite file (annotations point here). */
  line?: number;
  duration_ms: number;
  /** anomaly checks: the metric's value in this run. */
  observed?: number | null;
  /** The recorded run this check was compared with; null when the history holds none. */
  baseline?: BaselineRef | null;
  /** `fail-on: new`: the check failed (or errored) in the baseline too, and did not get worse beyond its tolerance. */
  known?: boolean;
  /** Markdown shown under the check in the summary (anomaly checks: a Mermaid xychart of the series and bounds). */
  chart?: string;
}

/** Check counts by status. */
export interface ReportCounts {
  total: number;
  pass: number;
  warn: number;
  fail: number;
  error: number;
}

/** JSON report of one stage run (a suite, a system test, a verification). */
export interface Report {
  report_version: 1;
  tool: { name: typeof TOOL.name; version: string; engine: string };
  suite: { name: string; file: string; sha256: string; description?: string };
  status: CheckStatus;
  fail_on: FailOn;
  /** Whether the step should fail under `fail_on`. */
  failed_step: boolean;
  started_at: string;
  duration_ms: number;
  counts: ReportCounts;
  datasets: DatasetReport[];
  checks: CheckResult[];
  /** Errors that stopped the stage before or between checks (e.g. an invalid suite); checks that did run stay recorded. */
  errors: string[];
}

/** Whether a stage with this status fails the step under `failOn`. */
export function statusFails(status: CheckStatus, failOn: FailOn): boolean {
  if (failOn === 'never') return false;
  // `new` is decided per check (stepFails); a status alone fails as under `error`
  if (failOn === 'warn') return status !== 'pass';
  return status === 'fail' || status === 'error';
}

/**
 * Whether the step fails: `fail-on: error` on any `fail` or `error` check or a stage-level error;
 * `warn` also on warnings; `never` never.
 */
export function stepFails(report: Pick<Report, 'checks' | 'errors' | 'fail_on'>): boolean {
  if (report.fail_on === 'never') return false;
  if (report.errors.length > 0) return true;
  if (report.fail_on === 'new') return report.checks.some((c) => (c.status === 'fail' || c.status === 'error') && !c.known);
  return statusFails(worstStatus(report.checks.map((c) => c.status)), report.fail_on);
}

/** What a stage knows when its checks are done; {@link buildReport} adds the verdict. */
export interface ReportParts {
  /** The engine or runner that ran the checks, e.g. `duckdb v1.5.0`, `container runner`. */
  engine: string;
  suite: Report['suite'];
  fail_on: FailOn;
  started_at: string;
  duration_ms: number;
  datasets: DatasetReport[];
  checks: CheckResult[];
  errors: string[];
}

/**
 * The report of a stage: counts by status, the status (the worst check, `error` when `errors` is
 * not empty) and `failed_step` under `fail_on`, keys in reading order.
 */
export function buildReport(parts: ReportParts): Report {
  const counts: ReportCounts = { total: 0, pass: 0, warn: 0, fail: 0, error: 0 };
  for (const c of parts.checks) {
    counts.total++;
    counts[c.status]++;
  }
  const status = parts.errors.length > 0 ? 'error' : worstStatus(parts.checks.map((c) => c.status));
  const { suite, fail_on, started_at, duration_ms, datasets, checks, errors } = parts;
  return {
    report_version: 1,
    tool: { name: TOOL.name, version: TOOL.version, engine: parts.engine },
    suite,
    status,
    failed_step: stepFails(parts),
    fail_on,
    counts,
    started_at,
    duration_ms,
    errors,
    datasets,
    checks,
  };
}

/** The JSON text of a report as written: two-space JSON and a newline (hash it for evidence). */
export function reportJson(report: Report | readonly Report[]): string {
  return JSON.stringify(report, null, 2) + '\n';
}

/** Writes a report (or several, as one array) to `file`, creating its directory. @returns the text written. */
export async function writeReport(report: Report | readonly Report[], file: string): Promise<string> {
  const text = reportJson(report);
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, text);
  return text;
}
