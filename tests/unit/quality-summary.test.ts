/** Job summary and annotations rendered from hand-made quality reports. */
import { describe, expect, it } from 'vitest';
import { checkAnnotations, limitAnnotations } from '../../src/core/report/annotations.ts';
import { cell, CHECK_RUN_SUMMARY_LIMIT, renderSummary, STEP_SUMMARY_LIMIT } from '../../src/core/report/summary.ts';
import { check, report } from '../helpers/quality-report.ts';

describe('renderSummary', () => {
  const r = report([
    check('title_present', 'pass', { line: 10 }),
    check('rating_range', 'warn', { type: 'range', columns: ['imdb_rating'], threshold: { min: 0, max: 10, max_failing: 0 }, description: 'IMDB ratings are 0..10', line: 14 }),
    check('title_unique', 'fail', { type: 'unique', columns: ['title'], failing_rows: 142, total_rows: 3201, samples: [{ title: 'Hamlet', n: 2 }, { title: 'A | B', n: 3 }], line: 18 }),
    check('bad_col', 'error', { line: 22 }),
  ]);
  const md = renderSummary([r]);

  it('has a header with the verdict and counts', () => {
    expect(md).toMatch(/^## 💥 Data quality: movies — error/);
    expect(md).toContain('**1 error · 1 failed · 1 warned · 1 passed** of 4 checks');
    expect(md).toContain('fail-on: `error` → the step fails');
  });

  it('lists failures first: error, fail, warn, pass', () => {
    const order = ['bad_col', 'title_unique', 'rating_range', 'title_present'].map((id) => md.indexOf(`| \`${id}\``));
    expect(order.every((p) => p > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('shows per check: status, id, dataset, columns, failing/total rows, threshold, description', () => {
    expect(md).toContain('| ❌ fail | `title_unique` (unique) | movies | title | 142 / 3,201 | max_failing: 0 |');
    expect(md).toContain('| ⚠️ warn | `rating_range` (range) | movies | imdb_rating | 3 / 100 | min: 0, max: 10, max_failing: 0 | 3 rows failed<br><i>IMDB ratings are 0..10</i> |');
    expect(md).toContain('**could not run:** Binder Error: column "titel" not found');
  });

  it('puts failing samples in collapsible tables, escaping cells', () => {
    expect(md).toContain('<details><summary>❌ fail <code>title_unique</code>: 2 samples of 142 failing rows</summary>');
    expect(md).toContain('| title | n |');
    expect(md).toContain('| A \\| B | 3 |');
    expect(md).not.toContain('<code>title_present</code>');
  });

  it('has a dataset table with rows, source and short content hash', () => {
    expect(md).toContain('| movies | 3,201 | `npm:vega-datasets/data/movies.json` | `bbbbbbbbbbbb` |');
  });

  it('leads several reports with an overall header, worst suite first', () => {
    const ok = report([check('a', 'pass')], { suite: { name: 'flights', file: 'quality/flights.yml', sha256: 'sha256:x' } });
    const both = renderSummary([ok, r]);
    expect(both).toMatch(/^## 💥 Data quality: 2 suites — error/);
    expect(both.indexOf('### 💥 Data quality: movies')).toBeLessThan(both.indexOf('### ✅ Data quality: flights'));
  });

  it('stays within the byte budget, cutting whole blocks and saying so', () => {
    const many = report(Array.from({ length: 5000 }, (_, i) => check(`check_${i}`, 'fail', { samples: Array.from({ length: 5 }, (_, j) => ({ title: `${'x'.repeat(100)} ${i}/${j}`, year: j })) })));
    const full = renderSummary([many], { maxBytes: Number.MAX_SAFE_INTEGER });
    expect(Buffer.byteLength(full)).toBeGreaterThan(STEP_SUMMARY_LIMIT);
    const cut = renderSummary([many], { reportPath: '/tmp/r.json' });
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(STEP_SUMMARY_LIMIT);
    expect(cut).toContain('Summary truncated');
    expect(cut).toContain('`/tmp/r.json`');
    expect(cut.match(/<details>/g)?.length).toBe(cut.match(/<\/details>/g)?.length);
    const small = renderSummary([many], { maxBytes: CHECK_RUN_SUMMARY_LIMIT });
    expect(Buffer.byteLength(small)).toBeLessThanOrEqual(CHECK_RUN_SUMMARY_LIMIT);
    expect(small).toContain('| ❌ fail | `check_0`');
  });

  it('escapes Markdown and HTML in cells', () => {
    expect(cell('<script>a|b\nc')).toBe('&lt;script&gt;a\\|b<br>c');
    expect(cell('x'.repeat(300), 10)).toHaveLength(10);
  });
});

describe('annotations', () => {
  it('annotates failing checks at their suite line: error for fail/error, warning for warn', () => {
    const r = report([check('ok', 'pass', { line: 3 }), check('w', 'warn', { line: 7 }), check('f', 'fail', { line: 9, description: 'titles exist' }), check('e', 'error', { line: 12 })]);
    const list = checkAnnotations([r], { file: (f) => `repo/${f}` });
    expect(list.map((a) => [a.level, a.checkId, a.file, a.line])).toEqual([
      ['error', 'e', 'repo/quality/movies.yml', 12],
      ['error', 'f', 'repo/quality/movies.yml', 9],
      ['warning', 'w', 'repo/quality/movies.yml', 7],
    ]);
    expect(list[0]!.message).toContain('check could not run: Binder Error');
    expect(list[1]!.message).toBe('3 rows failed\ntitles exist');
    expect(list[1]!.title).toBe('data-quality fail: movies/f (not_null on movies.title)');
  });

  it('keeps 10 per level and summarises the rest in a notice', () => {
    const r = report([...Array.from({ length: 17 }, (_, i) => check(`f${i}`, 'fail', { line: i + 1 })), ...Array.from({ length: 4 }, (_, i) => check(`w${i}`, 'warn', { line: 100 + i }))]);
    const shown = limitAnnotations(checkAnnotations([r]));
    expect(shown.filter((a) => a.level === 'error')).toHaveLength(10);
    expect(shown.filter((a) => a.level === 'warning')).toHaveLength(4);
    const notices = shown.filter((a) => a.level === 'notice');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.message).toBe('…and 7 more failing checks: see the job summary');
    expect(notices[0]!.file).toBeUndefined();
  });
});
