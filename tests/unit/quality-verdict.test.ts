import { XMLValidator, XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { renderJUnit } from '../../src/core/report/junit.ts';
import { MASK, maskRow, maskValue, scrubText } from '../../src/core/quality/mask.ts';
import { stepFails, worstStatus, type CheckResult, type CheckStatus, type FailOn, type Report } from '../../src/core/report/report.ts';
import { checkVerdict } from '../../src/core/quality/verdict.ts';

function result(status: CheckStatus, extra: Partial<CheckResult> = {}): CheckResult {
  return { id: `c_${status}`, type: 'not_null', dataset: 'd', columns: ['a'], severity: 'error', status, failing_rows: 1, total_rows: 10, threshold: {}, samples: [], message: `m <${status}> & "q"`, duration_ms: 3, ...extra };
}

function report(statuses: CheckStatus[], failOn: FailOn = 'error', errors: string[] = []): Report {
  return {
    report_version: 1,
    tool: { name: 'dataops-actions', version: '0', engine: 'duckdb' },
    suite: { name: 's', file: 'q/s.yml', sha256: 'sha256:0' },
    status: worstStatus(statuses),
    fail_on: failOn,
    failed_step: false,
    started_at: '2026-01-01T00:00:00.000Z',
    duration_ms: 12,
    counts: { total: 0, pass: 0, warn: 0, fail: 0, error: 0 },
    datasets: [],
    checks: statuses.map((s) => result(s)),
    errors,
  };
}

describe('verdicts', () => {
  it('rolls up the worst status', () => {
    expect(worstStatus([])).toBe('pass');
    expect(worstStatus(['pass', 'warn'])).toBe('warn');
    expect(worstStatus(['fail', 'warn'])).toBe('fail');
    expect(worstStatus(['fail', 'error', 'pass'])).toBe('error');
  });

  it('applies tolerances and severities', () => {
    expect(checkVerdict(0, 10, 'error', {})).toBe('pass');
    expect(checkVerdict(1, 10, 'error', {})).toBe('fail');
    expect(checkVerdict(1, 10, 'warn', {})).toBe('warn');
    expect(checkVerdict(3, 10, 'error', { max_failing: 3 })).toBe('pass');
    expect(checkVerdict(4, 10, 'error', { max_failing: 3 })).toBe('fail');
    expect(checkVerdict(1, 10, 'error', { max_failing_ratio: 0.1 })).toBe('pass');
    expect(checkVerdict(2, 10, 'warn', { max_failing_ratio: 0.1 })).toBe('warn');
    expect(checkVerdict(2, 10, 'error', { max_failing: 5, max_failing_ratio: 0.1 })).toBe('fail');
  });

  const matrix: Array<[CheckStatus[], FailOn, boolean]> = [
    [['pass'], 'error', false],
    [['pass', 'warn'], 'error', false],
    [['pass', 'fail'], 'error', true],
    [['pass', 'error'], 'error', true],
    [['pass'], 'warn', false],
    [['warn'], 'warn', true],
    [['fail'], 'warn', true],
    [['error'], 'warn', true],
    [['warn'], 'never', false],
    [['fail'], 'never', false],
    [['error'], 'never', false],
  ];
  it.each(matrix)('checks %j with fail-on %s → step fails: %s', (statuses, failOn, fails) => {
    expect(stepFails(report(statuses, failOn))).toBe(fails);
  });

  it('a suite-level error fails the step unless fail-on is never', () => {
    expect(stepFails(report(['pass'], 'error', ['bad']))).toBe(true);
    expect(stepFails(report(['pass'], 'never', ['bad']))).toBe(false);
  });
});

describe('masking', () => {
  it('masks every value the same way, keeps nulls', () => {
    expect(maskValue('jane@example.com')).toBe(MASK);
    expect(maskValue(42)).toBe(MASK);
    expect(maskRow({ email: 'jane@example.com', n: 1, phone: null }, new Set(['email', 'phone']))).toEqual({ email: MASK, n: 1, phone: null });
  });

  it('scrubs raw values and quoted literals from text', () => {
    expect(scrubText('value jane@example.com is bad', ['jane@example.com'])).toBe(`value ${MASK} is bad`);
    expect(scrubText("Could not convert string 'jane' to INT32", [], true)).toBe(`Could not convert string '${MASK}' to INT32`);
  });
});

describe('JUnit XML', () => {
  it('is well-formed and maps statuses to failures and errors', () => {
    const xml = renderJUnit([report(['pass', 'warn', 'fail', 'error'], 'error', ['suite <broken>'])]);
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    const suite = doc.testsuites.testsuite;
    expect(suite).toMatchObject({ name: 's', tests: '5', failures: '1', errors: '2' });
    const cases = suite.testcase as Array<Record<string, unknown>>;
    expect(cases.map((c) => c.name)).toEqual(['c_pass', 'c_warn', 'c_fail', 'c_error', 'suite-error-1']);
    expect(cases[2]!.failure).toBeDefined();
    expect(cases[3]!.error).toBeDefined();
    expect(String(cases[1]!['system-out'])).toMatch(/^WARN: m <warn> & "q"/);
  });

  it('renders an empty report list', () => {
    expect(XMLValidator.validate(renderJUnit([]))).toBe(true);
  });
});
