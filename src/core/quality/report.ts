/**
 * The data-quality report (format version 1): what ran, on which data, with what verdict.
 * Written as JSON (`report-path`), and rendered as job summary, annotations, JUnit XML and check runs.
 * System test and staging verification reuse this family (their checks carry other `type`s).
 */
import type { Severity } from './suite.ts';

/** Verdict of one check. `error`: the check itself could not run (bad SQL, missing column, unreadable file), never a data verdict. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'error';

/** Overall verdict of a suite: the worst of its checks (error > fail > warn > pass). */
export type SuiteStatus = CheckStatus;

/** A dataset as read for the report. */
export interface DatasetReport {
  name: string;
  /** `file` (paths/globs) or `sql` (a query over other datasets). */
  kind: 'file' | 'sql';
  /** Paths as declared (files) or the SQL text. */
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
}

/** Result of one check. */
export interface CheckResult {
  id: string;
  /** A suite check type, or another family member's (golden_row_count, budget_duration…). */
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
}

/** JSON report of one suite run. */
export interface QualityReport {
  report_version: 1;
  tool: { name: 'dataops-actions'; version: string; engine: string };
  suite: { name: string; file: string; sha256: string; description?: string };
  status: SuiteStatus;
  fail_on: 'error' | 'warn' | 'never';
  /** Whether the step should fail under `fail_on`. */
  failed_step: boolean;
  started_at: string;
  duration_ms: number;
  counts: { total: number; pass: number; warn: number; fail: number; error: number };
  datasets: DatasetReport[];
  checks: CheckResult[];
  /** Errors that stopped the suite before checks (e.g. invalid suite); checks that did run stay recorded. */
  errors: string[];
}
