/** Hand-made quality reports for tests of the renderers (summary, annotations, check runs, JUnit). */
import type { CheckResult, CheckStatus, Report } from '../../src/core/report/report.ts';

/** A check result with sensible defaults. */
export function check(id: string, status: CheckStatus, extra: Partial<CheckResult> = {}): CheckResult {
  const failing = status === 'pass' ? 0 : status === 'error' ? null : 3;
  return {
    id,
    type: 'not_null',
    dataset: 'movies',
    columns: ['title'],
    severity: status === 'warn' ? 'warn' : 'error',
    status,
    failing_rows: failing,
    total_rows: status === 'error' ? null : 100,
    threshold: { max_failing: 0 },
    samples: status === 'pass' || status === 'error' ? [] : [{ title: null, year: 1999 }],
    message: status === 'pass' ? 'no failing rows' : status === 'error' ? 'could not run' : `${failing} rows failed`,
    ...(status === 'error' ? { error: 'Binder Error: column "titel" not found' } : {}),
    duration_ms: 5,
    ...extra,
  };
}

/** A report over `checks` with counts, status and failed_step derived (fail-on error semantics). */
export function report(checks: CheckResult[], extra: Partial<Report> = {}): Report {
  const counts = { total: checks.length, pass: 0, warn: 0, fail: 0, error: 0 };
  for (const c of checks) counts[c.status]++;
  const status: CheckStatus = counts.error ? 'error' : counts.fail ? 'fail' : counts.warn ? 'warn' : 'pass';
  const failOn = extra.fail_on ?? 'error';
  const failed = failOn === 'never' ? false : failOn === 'warn' ? status !== 'pass' : status === 'error' || status === 'fail';
  return {
    report_version: 1,
    tool: { name: 'dataops-actions', version: '0.1.0', engine: 'duckdb v1.5.0' },
    suite: { name: 'movies', file: 'quality/movies.yml', sha256: `sha256:${'a'.repeat(64)}` },
    status,
    fail_on: failOn,
    failed_step: failed,
    started_at: '2026-11-21T05:00:00.000Z',
    duration_ms: 1234,
    counts,
    datasets: [{ name: 'movies', kind: 'file', source: 'npm:vega-datasets/data/movies.json', format: 'json', files: ['movies.json'], row_count: 3201, content_hash: `sha256:${'b'.repeat(64)}` }],
    checks,
    errors: [],
    ...extra,
  };
}
