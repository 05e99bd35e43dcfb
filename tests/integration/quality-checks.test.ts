/**
 * The engine on real files: every check type with a must-pass and a must-fail case, on CSV,
 * TSV, Parquet, JSON and NDJSON fixtures written to a temp directory, plus PII masking.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/core/engine/duckdb.ts';
import { runSuite } from '../../src/core/quality/run.ts';
import type { CheckResult, Report } from '../../src/core/report/report.ts';

let dir: string;

const PEOPLE = `id,email,age,country,signup,manager_id
1,ann@example.com,34,US,2026-01-10 10:00:00,
2,bob@example.com,41,DE,2026-01-11 09:00:00,1
3,cy@example.com,,US,2026-01-12 08:00:00,1
4,dee@example.com,29,FR,2026-01-12 12:00:00,2
5,ann@example.com,150,XX,2026-01-13 07:30:00,9
`;

const DATASETS = `
datasets:
  people:
    path: people.csv
    columns:
      email: { pii: true }
  orders: { path: orders.parquet }
  events: { path: events.ndjson }
  cities: { path: cities.tsv }
  tags: { path: tags.json }
  parts: { path: 'parts/*.csv' }
  adults:
    sql: SELECT * FROM people WHERE age >= 18
`;

async function suite(name: string, checks: string, opts: { now?: Date; samples?: number } = {}): Promise<Report> {
  const file = path.join(dir, `${name}.yml`);
  await writeFile(file, `version: 1\nsuite: ${name}\n${DATASETS}\nchecks:\n${checks}`);
  return runSuite({ suiteFile: file, now: opts.now ?? new Date('2026-01-14T00:00:00Z'), samples: opts.samples ?? 5, threads: 1 });
}

function byId(report: Report, id: string): CheckResult {
  const c = report.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${report.checks.map((x) => x.id).join(', ')}`);
  return c;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dq-checks-'));
  await writeFile(path.join(dir, 'people.csv'), PEOPLE);
  await writeFile(path.join(dir, 'events.ndjson'), ['{"id":1,"kind":"click"}', '{"id":2,"kind":"view"}', '{"id":3,"kind":"clack"}'].join('\n') + '\n');
  await writeFile(path.join(dir, 'cities.tsv'), 'city\tpop\nBerlin\t3700000\nParis\t2100000\n');
  await writeFile(path.join(dir, 'tags.json'), JSON.stringify([{ tag: 'a', n: 1 }, { tag: 'b', n: 2 }]));
  const { mkdir } = await import('node:fs/promises');
  await mkdir(path.join(dir, 'parts'));
  await writeFile(path.join(dir, 'parts', 'p1.csv'), 'k,v\n1,a\n2,b\n');
  await writeFile(path.join(dir, 'parts', 'p2.csv'), 'k,v\n3,c\n1,d\n');
  const engine = await openEngine({ threads: 1 });
  try {
    // 1,000 orders; (order_id, line) is unique except one duplicated pair.
    await engine.run(
      `COPY (SELECT i // 2 AS order_id, i % 2 AS line, (i % 5) + 1 AS person_id, (i * 7) % 100 AS amount FROM range(1000) t(i) UNION ALL SELECT 3, 1, 2, 10) TO '${path.join(dir, 'orders.parquet')}' (FORMAT parquet)`,
    );
  } finally {
    engine.close();
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('every check type passes and fails on real files', () => {
  let report: Report;
  beforeAll(async () => {
    report = await suite(
      'all',
      `
  - { id: rows_ok, type: row_count, dataset: people, min: 5, max: 5 }
  - { id: rows_bad, type: row_count, dataset: people, min: 6 }
  - { id: nn_ok, type: not_null, dataset: people, columns: [id, email] }
  - { id: nn_bad, type: not_null, dataset: people, columns: age }
  - { id: uq_ok, type: unique, dataset: people, columns: id }
  - { id: uq_bad, type: unique, dataset: people, columns: email }
  - { id: uq_comp_ok, type: unique, dataset: orders, columns: [order_id, line], where: 'person_id <> 2' }
  - { id: uq_comp_bad, type: unique, dataset: orders, columns: [order_id, line] }
  - { id: av_ok, type: accepted_values, dataset: people, column: country, values: [US, DE, FR], where: 'id < 5' }
  - { id: av_bad, type: accepted_values, dataset: people, column: country, values: [US, DE, FR] }
  - { id: av_num_ok, type: accepted_values, dataset: orders, column: line, values: [0, 1] }
  - { id: range_ok, type: range, dataset: people, column: age, min: 0, max: 150 }
  - { id: range_bad, type: range, dataset: people, column: age, min: 0, max: 120 }
  - { id: range_excl_bad, type: range, dataset: people, column: age, max: 150, inclusive: { max: false } }
  - { id: range_date_ok, type: range, dataset: people, column: signup, min: '2026-01-01', max: '2026-02-01' }
  - { id: re_ok, type: regex, dataset: people, column: email, pattern: '[a-z]+@example\\.com' }
  - { id: re_bad, type: regex, dataset: people, column: email, pattern: '[a-z]{3}@example\\.com' }
  - { id: re_partial_bad, type: regex, dataset: events, column: kind, pattern: 'cl' }
  - { id: rel_ok, type: relationships, dataset: people, columns: manager_id, to: { dataset: people, columns: id }, where: 'id < 5' }
  - { id: rel_bad, type: relationships, dataset: people, columns: manager_id, to: { dataset: people, columns: id } }
  - { id: rel_comp_ok, type: relationships, dataset: orders, columns: [person_id, person_id], to: { dataset: people, columns: [id, id] } }
  - { id: fresh_ok, type: freshness, dataset: people, column: signup, max_age: 1d }
  - { id: fresh_bad, type: freshness, dataset: people, column: signup, max_age: 6h }
  - id: schema_ok
    type: schema
    dataset: people
    columns: { id: BIGINT, email: VARCHAR, age: BIGINT, country: VARCHAR, signup: TIMESTAMP, manager_id: BIGINT }
  - id: schema_bad
    type: schema
    dataset: people
    columns: { id: BIGINT, email: VARCHAR, age: VARCHAR, phone: VARCHAR }
  - { id: schema_extra_ok, type: schema, dataset: people, columns: { id: int64, email: text }, allow_extra: true }
  - { id: sql_ok, type: sql, dataset: people, query: 'SELECT * FROM people WHERE age > 200' }
  - { id: sql_bad, type: sql, dataset: people, query: 'SELECT * FROM people WHERE age > 100' }
  - { id: sql_where_ok, type: sql, dataset: people, query: 'SELECT * FROM people WHERE age > 100', where: "country <> 'XX'" }
  - { id: tol_ok, type: not_null, dataset: people, columns: age, max_failing: 1 }
  - { id: tol_ratio_warn, type: not_null, dataset: people, columns: age, max_failing_ratio: 0.1, severity: warn }
  - { id: ndjson_ok, type: accepted_values, dataset: events, column: kind, values: [click, view, clack] }
  - { id: tsv_ok, type: range, dataset: cities, column: pop, min: 1000000 }
  - { id: json_ok, type: unique, dataset: tags, columns: tag }
  - { id: glob_bad, type: unique, dataset: parts, columns: k }
  - { id: sqlds_ok, type: range, dataset: adults, column: age, min: 18 }
`,
    );
  });

  it('ends pass/fail exactly as designed', () => {
    const statuses = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    for (const [id, status] of Object.entries(statuses)) {
      const expected = /_ok$/.test(id) ? 'pass' : /_warn$/.test(id) ? 'warn' : 'fail';
      expect({ id, status, message: byId(report, id).message }).toMatchObject({ id, status: expected });
    }
    expect(report.status).toBe('fail');
    expect(report.failed_step).toBe(true);
    expect(report.errors).toEqual([]);
    expect(report.counts).toMatchObject({ total: report.checks.length, error: 0 });
  });

  it('records counts, thresholds and lines', () => {
    expect(byId(report, 'nn_bad')).toMatchObject({ failing_rows: 1, total_rows: 5, columns: ['age'], line: expect.any(Number) });
    expect(byId(report, 'uq_comp_bad')).toMatchObject({ failing_rows: 1, total_rows: 1001, columns: ['order_id', 'line'] });
    expect(byId(report, 'rel_bad')).toMatchObject({ failing_rows: 1, total_rows: 5 });
    expect(byId(report, 'range_bad').threshold).toMatchObject({ min: 0, max: 120 });
    expect(byId(report, 'tol_ok')).toMatchObject({ failing_rows: 1, threshold: { max_failing: 1 } });
    expect(byId(report, 'fresh_bad')).toMatchObject({ failing_rows: 1 });
    expect(byId(report, 'fresh_bad').message).toContain('newest signup is 2026-01-13T07:30:00.000Z');
    expect(byId(report, 'glob_bad')).toMatchObject({ failing_rows: 1, total_rows: 4 });
    expect(byId(report, 'rows_ok').line).toBeLessThan(byId(report, 'rows_bad').line!);
  });

  it('describes datasets with row counts, files and content hashes', () => {
    const people = report.datasets.find((d) => d.name === 'people')!;
    expect(people).toMatchObject({ kind: 'file', format: 'csv', files: ['people.csv'], row_count: 5, content_hash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(report.datasets.find((d) => d.name === 'parts')).toMatchObject({ files: ['parts/p1.csv', 'parts/p2.csv'], row_count: 4 });
    expect(report.datasets.find((d) => d.name === 'adults')).toMatchObject({ kind: 'sql', row_count: 4, content_hash: null });
    expect(report.datasets.find((d) => d.name === 'events')).toMatchObject({ format: 'ndjson', row_count: 3 });
  });

  it('keeps failing samples, only for checks that did not pass', () => {
    expect(byId(report, 'range_bad').samples).toEqual([expect.objectContaining({ id: 5, age: 150 })]);
    expect(byId(report, 'uq_comp_bad').samples).toEqual([{ order_id: 3, line: 1, occurrences: 2 }]);
    expect(byId(report, 'schema_bad').samples).toEqual(
      expect.arrayContaining([
        { column: 'age', problem: 'type changed', expected: 'VARCHAR', actual: 'BIGINT' },
        { column: 'phone', problem: 'missing', expected: 'VARCHAR', actual: null },
        { column: 'country', problem: 'extra', expected: null, actual: 'VARCHAR' },
      ]),
    );
    expect(byId(report, 'sql_bad').samples).toHaveLength(1);
    expect(byId(report, 'rel_ok').samples).toEqual([]);
  });

  it('masks PII columns in samples and messages', () => {
    const uq = byId(report, 'uq_bad');
    expect(uq.samples).toEqual([{ email: '••••', occurrences: 2 }]);
    const re = byId(report, 're_bad');
    expect(re.samples[0]).toMatchObject({ email: '••••', id: 3 });
    expect(re.message).toContain('••••');
    const text = JSON.stringify(report);
    for (const email of ['ann@example.com', 'bob@example.com', 'cy@example.com', 'dee@example.com']) expect(text).not.toContain(email);
    // non-PII columns stay readable
    expect(byId(report, 'av_bad').samples[0]).toMatchObject({ country: 'XX', email: '••••' });
  });

  it('limits samples to N', async () => {
    const r = await suite('few', "  - { id: re, type: regex, dataset: orders, column: amount, pattern: '0' }\n", { samples: 2 });
    expect(r.checks[0]!.samples).toHaveLength(2);
    const none = await suite('none', "  - { id: re, type: regex, dataset: orders, column: amount, pattern: '0' }\n", { samples: 0 });
    expect(none.checks[0]!.samples).toEqual([]);
  });
});

describe('real data from vega-datasets', () => {
  it('finds the real defects of movies.json', async () => {
    const r = await runSuite({ suiteFile: 'templates/example-pipeline/quality/movies.yml', threads: 1 });
    const st = (id: string) => byId(r, id).status;
    for (const id of ['movies_raw_schema', 'title_present', 'title_unique', 'imdb_rating_present', 'release_date_not_future', 'mpaa_rating_known']) expect(st(id), id).toBe('fail');
    for (const id of ['rotten_tomatoes_present', 'worldwide_gross_positive', 'dvd_sales_within_gross']) expect(st(id), id).toBe('warn');
    expect(r.checks.filter((c) => c.status === 'error')).toEqual([]);
    expect(byId(r, 'imdb_rating_present').failing_rows).toBe(213);
    expect(byId(r, 'release_date_not_future').failing_rows).toBe(24);
    expect(byId(r, 'title_unique').samples.length).toBe(5);
    expect(r.failed_step).toBe(true);
  });

  it('the flights suite behaves as its documented thresholds say', async () => {
    const project = { flights: { path: 'npm:vega-datasets/data/flights-3m.parquet' }, airports: { path: 'npm:vega-datasets/data/airports.csv' } };
    const r = await runSuite({ suiteFile: 'templates/example-pipeline/quality/flights.yml', projectDatasets: project, projectDir: 'templates/example-pipeline', now: new Date('2026-11-21T00:00:00Z') });
    expect(r.checks.length).toBeGreaterThanOrEqual(12);
    expect(r.status).toBe('warn');
    expect(r.failed_step).toBe(false);
    expect(r.checks.filter((c) => c.status !== 'pass').map((c) => c.id).sort()).toEqual(['delay_within_operational_bounds', 'flights_fresh']);
    expect(byId(r, 'no_duplicate_flights')).toMatchObject({ status: 'pass', failing_rows: 191 });
    expect(byId(r, 'delay_within_operational_bounds')).toMatchObject({ failing_rows: 14304, total_rows: 3_000_000 });
    expect(r.datasets.find((d) => d.name === 'flights')).toMatchObject({ row_count: 3_000_000 });
    const fresh = await runSuite({ suiteFile: 'templates/example-pipeline/quality/flights.yml', projectDatasets: project, projectDir: 'templates/example-pipeline', now: new Date('2001-07-05T00:00:00Z'), failOn: 'warn' });
    expect(byId(fresh, 'flights_fresh').status).toBe('pass');
    expect(fresh.failed_step).toBe(true);
  });
});

describe('freshness on other column types', () => {
  it('reads DATE, text and time-zoned timestamps', async () => {
    await writeFile(path.join(dir, 'loads.ndjson'), ['{"d":"2026-01-13","s":"2026-01-13 18:00:00","tz":"2026-01-13T18:00:00+02:00"}', '{"d":"2026-01-10","s":"bad","tz":null}'].join('\n') + '\n');
    const file = path.join(dir, 'fresh.yml');
    await writeFile(
      file,
      `version: 1
suite: fresh
datasets:
  loads: { path: loads.ndjson }
checks:
  - { id: date_ok, type: freshness, dataset: loads, column: d, max_age: 1d }
  - { id: text_ok, type: freshness, dataset: loads, column: s, max_age: 7h }
  - { id: text_bad, type: freshness, dataset: loads, column: s, max_age: 5h }
  - { id: tz_ok, type: freshness, dataset: loads, column: tz, max_age: 9h }
  - { id: where_bad, type: freshness, dataset: loads, column: d, max_age: 2d, where: "d < '2026-01-12'" }
`,
    );
    const r = await runSuite({ suiteFile: file, now: new Date('2026-01-14T00:00:00Z') });
    expect(Object.fromEntries(r.checks.map((c) => [c.id, c.status]))).toEqual({ date_ok: 'pass', text_ok: 'pass', text_bad: 'fail', tz_ok: 'pass', where_bad: 'fail' });
  });
});

describe('memory', () => {
  it('runs the flights suite on 3M rows within a 64MB engine memory limit', async () => {
    const r = await runSuite({
      suiteFile: 'templates/example-pipeline/quality/flights.yml',
      projectDatasets: { flights: { path: 'npm:vega-datasets/data/flights-3m.parquet' }, airports: { path: 'npm:vega-datasets/data/airports.csv' } },
      projectDir: '.',
      memoryLimit: '64MB',
      tempDirectory: path.join(dir, 'spill'),
      now: new Date('2001-07-05T00:00:00Z'),
    });
    expect(r.errors).toEqual([]);
    expect(r.counts).toMatchObject({ total: 18, error: 0, fail: 0 });
    expect(r.checks.find((c) => c.id === 'no_duplicate_flights')).toMatchObject({ status: 'pass', failing_rows: 191 });
  });
});

describe('content hash', () => {
  it('is sha256 over the matched files bytes in path order', async () => {
    const { readFile } = await import('node:fs/promises');
    const { sha256 } = await import('../../src/core/hash.ts');
    const r = await suite('hash', '  - { type: row_count, dataset: parts, min: 1 }\n');
    const bytes = Buffer.concat([await readFile(path.join(dir, 'parts/p1.csv')), await readFile(path.join(dir, 'parts/p2.csv'))]);
    expect(r.datasets.find((d) => d.name === 'parts')!.content_hash).toBe(sha256(bytes));
  });
});
