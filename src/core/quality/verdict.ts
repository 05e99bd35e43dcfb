/** The verdict of a quality check under its tolerance. */
import type { CheckStatus, Severity } from '../report/report.ts';

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
