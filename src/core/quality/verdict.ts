/** Status roll-up of a suite and the step decision under `fail-on`. */
import type { CheckResult, CheckStatus, QualityReport, SuiteStatus } from './report.ts';
import type { FailOn, Severity } from './suite.ts';

const RANK: Record<CheckStatus, number> = { pass: 0, warn: 1, fail: 2, error: 3 };

/** Worst status of the checks (error > fail > warn > pass); `pass` for none. */
export function suiteStatus(checks: Array<Pick<CheckResult, 'status'>>): SuiteStatus {
  let worst: CheckStatus = 'pass';
  for (const c of checks) if (RANK[c.status] > RANK[worst]) worst = c.status;
  return worst;
}

/**
 * Verdict of a check that ran: pass while failing rows stay within the tolerance (`max_failing`
 * rows and/or `max_failing_ratio` of `total`; no tolerance means zero failing rows), otherwise
 * `fail` for severity error and `warn` for severity warn.
 */
export function checkVerdict(failing: number, total: number, severity: Severity, tolerance: { max_failing?: number | undefined; max_failing_ratio?: number | undefined }): CheckStatus {
  let within: boolean;
  if (tolerance.max_failing === undefined && tolerance.max_failing_ratio === undefined) within = failing === 0;
  else {
    within = true;
    if (tolerance.max_failing !== undefined && failing > tolerance.max_failing) within = false;
    if (tolerance.max_failing_ratio !== undefined && (total > 0 ? failing / total : failing > 0 ? 1 : 0) > tolerance.max_failing_ratio) within = false;
  }
  if (within) return 'pass';
  return severity === 'warn' ? 'warn' : 'fail';
}

/** Whether a suite with this status fails the step under `failOn`. */
export function statusFails(status: SuiteStatus, failOn: FailOn): boolean {
  if (failOn === 'never') return false;
  if (failOn === 'warn') return status !== 'pass';
  return status === 'fail' || status === 'error';
}

/**
 * Whether the step fails: `fail-on: error` on any `fail` or `error` check or a suite-level error;
 * `warn` also on warnings; `never` never.
 */
export function stepFails(report: Pick<QualityReport, 'checks' | 'errors' | 'fail_on'>): boolean {
  if (report.fail_on === 'never') return false;
  if (report.errors.length > 0) return true;
  return statusFails(suiteStatus(report.checks), report.fail_on);
}
