/**
 * The pure parts of baseline-aware gating: schema change classification (backward / forward /
 * full), robust anomaly bounds with weekday seasonality and minimum history, and the chart.
 */
import { describe, expect, it } from 'vitest';
import { anomalyChart, comparablePoints, detectAnomaly, type AnomalySettings } from '../../src/core/history/anomaly.ts';
import { breaks, describeChange, schemaChanges, widens } from '../../src/core/history/contract.ts';

const col = (name: string, type: string, nullable = true) => ({ name, type, nullable });

describe('schema changes', () => {
  it('orders types by what they can hold', () => {
    expect(widens('INTEGER', 'BIGINT')).toBe(true);
    expect(widens('BIGINT', 'INTEGER')).toBe(false);
    expect(widens('int', 'DOUBLE')).toBe(true);
    expect(widens('UINTEGER', 'BIGINT')).toBe(true);
    expect(widens('UBIGINT', 'BIGINT')).toBe(false);
    expect(widens('DATE', 'TIMESTAMP')).toBe(true);
    expect(widens('DECIMAL(10,2)', 'DECIMAL(12,2)')).toBe(true);
    expect(widens('DECIMAL(10,2)', 'DECIMAL(10,3)')).toBe(false);
    expect(widens('DATE', 'VARCHAR')).toBe(true);
    expect(widens('VARCHAR', 'DATE')).toBe(false);
  });

  it('names each change and the modes it breaks', () => {
    const base = [col('id', 'BIGINT', false), col('amount', 'DOUBLE'), col('customer', 'VARCHAR'), col('day', 'DATE'), col('note', 'VARCHAR', false)];
    const head = [col('id', 'INTEGER', false), col('amount', 'DOUBLE', false), col('buyer', 'VARCHAR'), col('day', 'TIMESTAMP'), col('note', 'VARCHAR'), col('extra', 'BOOLEAN'), col('must', 'BIGINT', false)];
    const changes = schemaChanges(base, head);
    expect(changes.map(describeChange)).toEqual([
      'column renamed: customer → buyer',
      'column added: extra (BOOLEAN)',
      'column added: must (BIGINT required)',
      'type narrowed: id BIGINT → INTEGER',
      'nullable → required: amount',
      'type widened: day DATE → TIMESTAMP',
      'required → nullable: note',
    ]);
    const names = (mode: 'backward' | 'forward' | 'full') => changes.filter((c) => breaks(c, mode)).map((c) => `${c.change}:${c.column}`);
    expect(names('backward')).toEqual(['renamed:customer', 'added:must', 'type narrowed:id', 'nullable → required:amount']);
    expect(names('forward')).toEqual(['renamed:customer', 'type widened:day', 'required → nullable:note']);
    expect(names('full')).toHaveLength(6);
  });

  it('a removed column breaks forward only; an unchanged schema has no changes', () => {
    const [removed] = schemaChanges([col('a', 'BIGINT'), col('b', 'BIGINT')], [col('a', 'BIGINT')]);
    expect(removed).toMatchObject({ change: 'removed', column: 'b', breaks: ['forward'] });
    expect(schemaChanges([col('A', 'int')], [col('a', 'INTEGER')])).toEqual([]);
  });
});

describe('anomaly detection', () => {
  const s: AnomalySettings = { window: 28, bucket: 'run', seasonality: 'none', min_history: 5, sensitivity: 3, direction: 'both', min_change_percent: 0 };
  const days = (values: number[], from = Date.UTC(2026, 0, 5)) => values.map((value, i) => ({ at: new Date(from + i * 86_400_000).toISOString(), value }));

  it('needs min_history points, then bounds the median by sensitivity × 1.4826 × MAD', () => {
    const h = days([10, 12, 11, 9, 10, 30]);
    const at = new Date(Date.UTC(2026, 0, 20)).toISOString();
    expect(detectAnomaly(50, at, h.slice(0, 4), s)).toMatchObject({ enough: false, anomalous: false });
    const v = detectAnomaly(16, at, h, s);
    // median 10.5, MAD 1 → robust σ 1.4826, bounds 10.5 ± 4.4478; the 30 in the history does not widen them
    expect(v.median).toBe(10.5);
    expect(v.upper).toBeCloseTo(14.9478, 4);
    expect(v.anomalous).toBe(true);
    expect(detectAnomaly(14, at, h, s).anomalous).toBe(false);
    expect(detectAnomaly(16, at, h, { ...s, direction: 'down' }).anomalous).toBe(false);
    expect(detectAnomaly(16, at, h, { ...s, min_change_percent: 60 }).anomalous).toBe(false);
  });

  it('compares a day with the same weekday only, one point per day', () => {
    // four weeks: weekdays 100, Saturdays (index 5) 60
    const h = days(Array.from({ length: 28 }, (_, i) => (i % 7 === 5 ? 60 : 100)));
    const saturday = new Date(Date.UTC(2026, 1, 7, 12)).toISOString();
    expect(new Date(saturday).getUTCDay()).toBe(6);
    const pts = comparablePoints([...h, { at: '2026-02-07T01:00:00.000Z', value: 1 }], saturday, { window: 8, bucket: 'day', seasonality: 'weekday' });
    expect(pts.map((p) => p.value)).toEqual([60, 60, 60, 60]);
    expect(detectAnomaly(60, saturday, h, { ...s, bucket: 'day', seasonality: 'weekday', min_history: 4 }).anomalous).toBe(false);
    expect(detectAnomaly(60, saturday, h, { ...s, bucket: 'day', min_history: 4 }).anomalous).toBe(true);
  });

  it('draws the series, the value now and both bounds as a Mermaid xychart', () => {
    const h = days([10, 11, 12, 11, 10]);
    const at = '2026-01-12T00:00:00.000Z';
    expect(anomalyChart('rows', 20, at, detectAnomaly(20, at, h, s))).toBe(
      ['```mermaid', 'xychart-beta', '  title "rows"', '  x-axis ["01-05", "01-06", "01-07", "01-08", "01-09", "01-12"]', '  line [10, 11, 12, 11, 10, 20]', '  line [15.4478, 15.4478, 15.4478, 15.4478, 15.4478, 15.4478]', '  line [6.5522, 6.5522, 6.5522, 6.5522, 6.5522, 6.5522]', '```'].join('\n'),
    );
  });
});
