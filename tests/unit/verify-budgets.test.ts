/** Performance budget and regression checks (pure): which budgets pass, fail or warn. */
import { describe, expect, it } from 'vitest';
import { matchesGlob } from '../../src/core/glob.ts';
import { evaluateBudgets, metricsOf, type Baseline, type PerformanceMetrics } from '../../src/core/verify/performance.ts';

const m = (extra: Partial<PerformanceMetrics> = {}): PerformanceMetrics => ({ duration_seconds: 10, input_rows: 100_000, rows_per_second: 10_000, peak_memory_mb: 300, scale_factor: 10, ...extra });
const base = (metrics: Partial<PerformanceMetrics>): Baseline => ({ environment: 'staging', digest: `sha256:${'b'.repeat(64)}`, recorded_at: '2026-11-20T00:00:00Z', metrics: m(metrics) });
const status = (checks: ReturnType<typeof evaluateBudgets>) => Object.fromEntries(checks.map((c) => [c.id, c.status]));

describe('evaluateBudgets', () => {
  it.each<[string, Partial<PerformanceMetrics>, Record<string, number>, Record<string, string>]>([
    ['all within budget', {}, { max_duration_seconds: 20, min_rows_per_second: 5000, max_peak_memory_mb: 512 }, { budget_duration: 'pass', budget_rows_per_second: 'pass', budget_peak_memory: 'pass' }],
    ['too slow', { duration_seconds: 30 }, { max_duration_seconds: 20 }, { budget_duration: 'fail' }],
    ['too few rows per second', { rows_per_second: 100 }, { min_rows_per_second: 5000 }, { budget_rows_per_second: 'fail' }],
    ['too much memory', { peak_memory_mb: 900 }, { max_peak_memory_mb: 512 }, { budget_peak_memory: 'fail' }],
    ['memory not measurable', { peak_memory_mb: undefined }, { max_peak_memory_mb: 512 }, { budget_peak_memory: 'warn' }],
    ['no budgets set', {}, {}, {}],
  ])('%s', (_name, metrics, budgets, expected) => {
    const checks = evaluateBudgets(m(metrics), { regression_threshold_percent: 25, ...budgets }, undefined);
    expect(status(checks)).toEqual({ ...expected, regression_duration: 'pass' });
  });

  it.each<[string, Partial<PerformanceMetrics>, Partial<PerformanceMetrics>, string, RegExp]>([
    ['same speed', {}, {}, 'pass', /^0% slower per input row/],
    ['20% slower within 25%', { duration_seconds: 12 }, {}, 'pass', /^20\.0% slower/],
    ['50% slower', { duration_seconds: 15 }, {}, 'fail', /^50\.0% slower per input row than the baseline \(sha256:bbbbbbbbbbbb, 10 s for 100000 rows/],
    ['faster', { duration_seconds: 5 }, {}, 'pass', /^50(\.0)?% faster/],
    ['other scale, same speed per row', { duration_seconds: 20, input_rows: 200_000 }, {}, 'pass', /^0% slower/],
  ])('regression: %s', (_name, current, baseline, expected, message) => {
    const [check] = evaluateBudgets(m(current), { regression_threshold_percent: 25 }, base(baseline));
    expect(check).toMatchObject({ id: 'regression_duration', type: 'regression_duration', status: expected, severity: 'error' });
    expect(check!.message).toMatch(message);
  });
});

describe('helpers', () => {
  it('computes metrics from a run', () => {
    expect(metricsOf(2000, 10_000, 5, 256 * 1024 * 1024)).toEqual({ duration_seconds: 2, input_rows: 10_000, rows_per_second: 5000, peak_memory_mb: 256, scale_factor: 5 });
    expect(metricsOf(500, 10, 1, undefined)).not.toHaveProperty('peak_memory_mb');
  });
  it.each([
    ['flights.parquet', 'flights*.parquet', true],
    ['flights-2001.parquet', 'flights*.parquet', true],
    ['airports.csv', 'flights*.parquet', false],
    ['a.csv', '?.csv', true],
    ['a.b.csv', 'a.csv', false],
  ])('%s matches %s: %s', (name, pattern, expected) => {
    expect(matchesGlob(name, pattern)).toBe(expected);
  });
});
