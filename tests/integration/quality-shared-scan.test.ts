/**
 * The shared scan (compile.ts `aggregateQuery`, checks.ts `runChecks`): every aggregate check of a
 * dataset is answered by ONE query, each check's `where` inside its own expressions. Its figures
 * are compared with a count made here in plain JavaScript over the rows the test generated (never
 * with the SQL the checks compile to), so a wrong figure of the shared path fails the test:
 * - every check exact when all checks run together, `where` filters isolated per check (two checks
 *   on one column with different filters, and the same check without a filter);
 * - a check that breaks the shared query (a run-time cast error, an aggregate or another check's
 *   alias in its `where`, a missing column, SQL that tries to close the parentheses around it)
 *   ends in `error`, and every other check reports exactly the figures it reports without it;
 * - a `--` comment in a `where` cannot swallow the SQL after it.
 * The engine is opened while the suite loads (run.ts): a suite refused while the engine fails to
 * load reports the suite's problem, and an engine that fails to load is reported as such.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/core/engine/duckdb.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { runSuite } from '../../src/core/quality/run.ts';
import type { CheckResult, Report } from '../../src/core/report/report.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'dq-shared-scan-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Row {
  id: number;
  grp: number;
  code: string;
  amount: number | null;
  parent: number;
  day: string;
}

const N = 2000;
const CODES = ['AA', 'BB', 'CC', 'dd', 'EEE'];
const rows: Row[] = Array.from({ length: N }, (_, i) => ({
  id: i,
  grp: i % 10,
  code: CODES[i % 5]!,
  amount: i % 7 === 0 ? null : (i % 100) - 10,
  parent: i % 13,
  day: new Date(Date.UTC(2020, 0, 1 + (i % 30))).toISOString().slice(0, 10),
}));
const PARENTS = Array.from({ length: 11 }, (_, k) => k); // 11 and 12 have no parent

// ---- the independent recount ----
const count = (pred: (r: Row) => boolean) => rows.filter(pred).length;
const distinctOf = (pred: (r: Row) => boolean, key: (r: Row) => unknown) => new Set(rows.filter(pred).map(key)).size;
const ACCEPTED = new Set(['AA', 'BB', 'CC']);
const outOfRange = (r: Row) => r.amount !== null && (r.amount < 0 || r.amount > 80);
const badCode = (r: Row) => !ACCEPTED.has(r.code);
const notTwoCaps = (r: Row) => !/^[A-Z]{2}$/.test(r.code);
const orphan = (r: Row) => !PARENTS.includes(r.parent);
const dupRows = (key: (r: Row) => string, pred: (r: Row) => boolean = () => true) => {
  const counts = new Map<string, number>();
  for (const r of rows.filter(pred)) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
  const dup = [...counts.values()].filter((c) => c > 1);
  return { failing: dup.reduce((a, c) => a + c - 1, 0), keys: dup.length, keyRows: dup.reduce((a, c) => a + c, 0) };
};
const newest = (pred: (r: Row) => boolean) => `${rows.filter(pred).map((r) => r.day).sort().at(-1)}T00:00:00.000Z`;

/** Expected figures per check id: failing_rows, total_rows and (for checks that did not pass) failing_distinct. */
const expected: Record<string, { failing: number; total: number; distinct?: number }> = {
  rows: { failing: 0, total: N },
  amount_not_null: { failing: count((r) => r.amount === null), total: N, distinct: undefined },
  amount_not_null_grp0: { failing: count((r) => r.grp === 0 && r.amount === null), total: count((r) => r.grp === 0) },
  code_accepted: { failing: count(badCode), total: N, distinct: distinctOf(badCode, (r) => r.code) },
  code_accepted_grp_lt5: { failing: count((r) => r.grp < 5 && badCode(r)), total: count((r) => r.grp < 5), distinct: distinctOf((r) => r.grp < 5 && badCode(r), (r) => r.code) },
  code_two_caps: { failing: count(notTwoCaps), total: N, distinct: distinctOf(notTwoCaps, (r) => r.code) },
  amount_range: { failing: count(outOfRange), total: N, distinct: distinctOf(outOfRange, (r) => r.amount) },
  amount_range_aa: { failing: count((r) => r.code === 'AA' && outOfRange(r)), total: count((r) => r.code === 'AA'), distinct: distinctOf((r) => r.code === 'AA' && outOfRange(r), (r) => r.amount) },
  // a `--` comment in the where: it ends with its line, the rest of the query stands
  amount_range_positive: { failing: count((r) => r.amount !== null && r.amount > 0 && outOfRange(r)), total: count((r) => r.amount !== null && r.amount > 0), distinct: distinctOf((r) => r.amount !== null && r.amount > 0 && outOfRange(r), (r) => r.amount) },
  parent_known: { failing: count(orphan), total: N, distinct: distinctOf(orphan, (r) => r.parent) },
  parent_known_grp3: { failing: count((r) => r.grp === 3 && orphan(r)), total: count((r) => r.grp === 3), distinct: distinctOf((r) => r.grp === 3 && orphan(r), (r) => r.parent) },
  grp_parent_unique: { failing: dupRows((r) => `${r.grp}|${r.parent}`).failing, total: N, distinct: dupRows((r) => `${r.grp}|${r.parent}`).keys },
  id_unique_grp2: { failing: 0, total: count((r) => r.grp === 2) },
  fresh: { failing: 1, total: N },
  fresh_grp1: { failing: 1, total: count((r) => r.grp === 1) },
};

const GOOD_CHECKS = [
  "{ id: rows, type: row_count, dataset: items, min: 1 }",
  "{ id: amount_not_null, type: not_null, dataset: items, columns: amount }",
  "{ id: amount_not_null_grp0, type: not_null, dataset: items, columns: amount, where: 'grp = 0' }",
  "{ id: code_accepted, type: accepted_values, dataset: items, column: code, values: [AA, BB, CC] }",
  "{ id: code_accepted_grp_lt5, type: accepted_values, dataset: items, column: code, values: [AA, BB, CC], where: 'grp < 5' }",
  "{ id: code_two_caps, type: regex, dataset: items, column: code, pattern: '[A-Z]{2}' }",
  "{ id: amount_range, type: range, dataset: items, column: amount, min: 0, max: 80 }",
  `{ id: amount_range_aa, type: range, dataset: items, column: amount, min: 0, max: 80, where: "code = 'AA'" }`,
  '{ id: amount_range_positive, type: range, dataset: items, column: amount, min: 0, max: 80, where: "amount > 0 -- ) OR (1 = 1" }',
  '{ id: parent_known, type: relationships, dataset: items, columns: parent, to: { dataset: parents, columns: key } }',
  "{ id: parent_known_grp3, type: relationships, dataset: items, columns: parent, to: { dataset: parents, columns: key }, where: 'grp = 3' }",
  '{ id: grp_parent_unique, type: unique, dataset: items, columns: [grp, parent] }',
  "{ id: id_unique_grp2, type: unique, dataset: items, columns: id, where: 'grp = 2' }",
  '{ id: fresh, type: freshness, dataset: items, column: day, max_age: 1d }',
  "{ id: fresh_grp1, type: freshness, dataset: items, column: day, max_age: 1d, where: 'grp = 1' }",
];

/** Checks that break the shared query or never reach it; each must end in error alone. */
const BAD_CHECKS = [
  "{ id: cast_fails_at_run_time, type: range, dataset: items, column: amount, min: 0, where: 'CAST(code AS INTEGER) > 0' }",
  "{ id: aggregate_in_where, type: not_null, dataset: items, columns: amount, where: 'count(*) > 1' }",
  "{ id: other_checks_alias, type: not_null, dataset: items, columns: code, where: 'c0_total > 0' }",
  '{ id: missing_column, type: not_null, dataset: items, columns: nope }',
  "{ id: closes_parentheses, type: not_null, dataset: items, columns: code, where: '1 = 1)) AS c1_total, count(*) AS c1_failing, ((1' }",
];

function suite(name: string, checks: string[]): string {
  const file = path.join(tmp, `${name}.yml`);
  writeFileSync(file, `version: 1\nsuite: ${name}\ndatasets:\n  items: { path: items.csv }\n  parents: { path: parents.csv }\nchecks:\n${checks.map((c) => `  - ${c}\n`).join('')}`);
  return file;
}

const NOW = new Date('2020-03-01T00:00:00Z');
const byId = (r: Report) => new Map(r.checks.map((c) => [c.id, c]));
/** What must not move when other checks join the scan. */
const figures = (c: CheckResult) => ({ status: c.status, failing_rows: c.failing_rows, total_rows: c.total_rows, failing_distinct: c.failing_distinct, failing_key_rows: c.failing_key_rows, message: c.message, threshold: c.threshold });

let good: Report;
let mixed: Report;
let engineVersion: string;
beforeAll(async () => {
  const engine = await openEngine({ threads: 1 });
  engineVersion = String((await engine.query<{ v: string }>('SELECT version() AS v'))[0]!.v);
  engine.close();
  writeFileSync(path.join(tmp, 'items.csv'), `id,grp,code,amount,parent,day\n${rows.map((r) => [r.id, r.grp, r.code, r.amount ?? '', r.parent, r.day].join(',')).join('\n')}\n`);
  writeFileSync(path.join(tmp, 'parents.csv'), `key,name\n${PARENTS.map((k) => `${k},p${k}`).join('\n')}\n`);
  good = await runSuite({ suiteFile: suite('good', GOOD_CHECKS), now: NOW, threads: 1, root: tmp });
  // the bad checks interleaved with the good ones: first, in the middle and last
  const [b0, b1, b2, b3, b4] = BAD_CHECKS as [string, string, string, string, string];
  mixed = await runSuite({ suiteFile: suite('mixed', [b0, ...GOOD_CHECKS.slice(0, 6), b1, b2, ...GOOD_CHECKS.slice(6), b3, b4]), now: NOW, threads: 1, root: tmp });
}, 120_000);

describe('the shared scan of a dataset', () => {
  it('answers every check exactly, each where-filter isolated to its own check', () => {
    const got = byId(good);
    expect(good.errors).toEqual([]);
    expect([...got.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [id, e] of Object.entries(expected)) {
      const c = got.get(id)!;
      expect({ id, failing: c.failing_rows, total: c.total_rows }).toEqual({ id, failing: e.failing, total: e.total });
      if (e.distinct !== undefined) expect({ id, distinct: c.failing_distinct }).toEqual({ id, distinct: e.distinct });
    }
    expect(got.get('grp_parent_unique')!.failing_key_rows).toBe(dupRows((r) => `${r.grp}|${r.parent}`).keyRows);
    expect(got.get('fresh')!.threshold.newest).toBe(newest(() => true));
    expect(got.get('fresh_grp1')!.threshold.newest).toBe(newest((r) => r.grp === 1));
    expect(good.datasets.find((d) => d.name === 'items')!.row_count).toBe(N);
    // the engine names the version `SELECT version()` answers (read from the library, no statement)
    expect(good.tool.engine).toBe(`duckdb ${engineVersion}`);
    // the filters really differ: a shared scan mixing them up could not match both
    expect(expected.amount_range_aa!.failing).not.toBe(expected.amount_range!.failing);
    expect(expected.amount_not_null_grp0!.total).not.toBe(expected.amount_not_null!.total);
  });

  it('reports every other check exactly as before when checks of the same scan cannot run', () => {
    const before = byId(good);
    const after = byId(mixed);
    for (const id of Object.keys(expected)) expect({ id, ...figures(after.get(id)!) }).toEqual({ id, ...figures(before.get(id)!) });
    expect(mixed.datasets.find((d) => d.name === 'items')!.row_count).toBe(N);
  });

  it('ends each breaking check in error with its own reason, never as data', () => {
    const after = byId(mixed);
    const bad = ['cast_fails_at_run_time', 'aggregate_in_where', 'other_checks_alias', 'missing_column', 'closes_parentheses'];
    for (const id of bad) {
      const c = after.get(id)!;
      expect({ id, status: c.status, failing: c.failing_rows }).toEqual({ id, status: 'error', failing: null });
    }
    expect(after.get('cast_fails_at_run_time')!.error).toMatch(/Conversion Error/);
    expect(after.get('aggregate_in_where')!.error).toMatch(/aggregate/i);
    expect(after.get('other_checks_alias')!.error).toMatch(/c0_total/);
    expect(after.get('missing_column')!.error).toMatch(/column "nope" not found in dataset "items"/);
    // SQL that tries to close the parentheses around it is not one expression: refused before anything ran
    expect(after.get('closes_parentheses')!.error).toBeTruthy();
    expect(mixed.errors.some((e) => e.includes('closes_parentheses'))).toBe(true);
    expect(mixed.counts.error).toBe(bad.length);
  });
});

describe('the engine opened while the suite loads', () => {
  const failing = { duckdb: () => Promise.reject(new Error('engine could not be loaded (test)')) };

  it('reports a malformed suite, not the engine that failed meanwhile', async () => {
    const file = path.join(tmp, 'malformed.yml');
    writeFileSync(file, 'version: 1\nsuite: x\nchecks: [ { type: nope } ]\n');
    await expect(runSuite({ suiteFile: file, runtime: failing, root: tmp })).rejects.toBeInstanceOf(ConfigError);
  });

  it('reports an engine that cannot be loaded', async () => {
    await expect(runSuite({ suiteFile: suite('engine', GOOD_CHECKS), runtime: failing, root: tmp })).rejects.toThrow('engine could not be loaded (test)');
  });
});
