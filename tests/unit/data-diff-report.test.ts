/**
 * The data diff as a check: totals, conclusion, title, the Markdown table (src/core/data/diff-report.ts)
 * and the per-dataset key syntax of the data-diff action (parseKeySpec, src/core/data/compare.ts).
 */
import { describe, expect, it } from 'vitest';
import { parseKeySpec } from '../../src/core/data/compare.ts';
import { diffConclusion, diffTitle, diffTotals, renderDiffReport } from '../../src/core/data/diff-report.ts';
import type { DataDiff } from '../../src/core/data/diff.ts';

const same: DataDiff = { dataset: 'a.csv', base: 'b/a.csv', head: 'h/a.csv', schema: { added: [], removed: [], retyped: [] }, row_count: { base: 3, head: 3, delta: 0 } };
const changed: DataDiff = {
  dataset: 'people.csv',
  base: 'b/people.csv',
  head: 'h/people.csv',
  schema: { added: [{ name: 'note', type: 'VARCHAR' }], removed: [], retyped: [] },
  row_count: { base: 10, head: 11, delta: 1 },
  rows: { key: ['id'], added: 1, removed: 0, changed: 2, unchanged: 8, columns: { email: 2 }, samples: { added: [{ id: 11, email: '***' }], removed: [], changed: [{ key: { id: 4 }, changes: { email: { base: '***', head: '***' } } }] } },
};

describe('diff report', () => {
  it('totals, conclusion and title: success when equal, neutral when changed, failure when changed and fail-on-change', () => {
    expect(diffConclusion(diffTotals([same]), true)).toBe('success');
    expect(diffTitle(diffTotals([same]))).toBe('no change in 1 dataset');
    const t = diffTotals([same, changed]);
    expect(t).toEqual({ datasets: 2, changed_datasets: 1, rows_added: 1, rows_removed: 0, rows_changed: 2, schema_changes: 1 });
    expect(diffConclusion(t, false)).toBe('neutral');
    expect(diffConclusion(t, true)).toBe('failure');
    expect(diffTitle(t)).toBe('1 of 2 datasets changed: 1 rows added, 0 removed, 2 changed, 1 schema change');
  });

  it('the Markdown table has one row per dataset (— without a key), names the PII columns and details only changed datasets', () => {
    const md = renderDiffReport([same, changed], { base: 'img@sha256:1', head: 'img@sha256:2', pii: ['email'] });
    expect(md).toContain('| `a.csv` | 3 | 3 (0) | — | — | — | 0 |');
    expect(md).toContain('| `people.csv` ✱ | 10 | 11 (+1) | 1 | 0 | 2 | 1 |');
    expect(md).toContain('PII columns (counted, values never shown): `email`');
    expect(md).toContain('### Data diff: people.csv');
    expect(md).not.toContain('### Data diff: a.csv');
  });
});

describe('parseKeySpec', () => {
  it('a plain line is every dataset\'s key, "<dataset>: cols" one dataset\'s', () => {
    expect(parseKeySpec('date, origin,destination', 'key')).toEqual({ key: ['date', 'origin', 'destination'], keys: {} });
    expect(parseKeySpec('daily_routes.csv: date, origin\nsub/x.parquet:id\n\n', 'key')).toEqual({ key: [], keys: { 'daily_routes.csv': ['date', 'origin'], 'sub/x.parquet': ['id'] } });
  });

  it('a dataset without columns is a configuration error naming the line', () => {
    expect(() => parseKeySpec('people.csv:', 'input "key"')).toThrow(/"people.csv:" names no key column/);
  });
});
