/**
 * Check semantics against an independent recount: each check runs on real vega-datasets files and
 * its counts are compared with a count made here in plain JavaScript over the parsed file (never
 * with the SQL the checks compile to). Every fix of issue 9 has a must-pass and a must-fail case;
 * settings no data could satisfy are refused at load time (exit 2 through the CLI).
 */
import { readFileSync } from 'node:fs';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSuite } from '../../src/core/quality/run.ts';
import type { CheckResult, Report } from '../../src/core/report/report.ts';
import { runQualityCli } from '../helpers/quality-cli.ts';

const DATA = path.resolve(import.meta.dirname, '../../node_modules/vega-datasets/data');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'dq-semantics-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** RFC 4180 CSV (quoted fields, "" escapes) → objects; empty fields are null, as DuckDB reads them. */
function parseCsv(file: string): Array<Record<string, string | null>> {
  const text = readFileSync(path.join(DATA, file), 'utf8');
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (ch !== '\r') field += ch;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] === '' || r[i] === undefined ? null : r[i]])));
}
const parseJson = (file: string) => JSON.parse(readFileSync(path.join(DATA, file), 'utf8')) as Array<Record<string, unknown>>;

/** Distinct values of `key` among rows matching `bad`. */
const distinct = <T>(rows: T[], key: (r: T) => unknown) => new Set(rows.map(key)).size;
/** Groups by key; keys seen more than once with their counts. */
function duplicates<T>(rows: T[], key: (r: T) => unknown): number[] {
  const counts = new Map<unknown, number>();
  for (const r of rows) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
  return [...counts.values()].filter((n) => n > 1);
}

const DATASETS = `datasets:
  cars: { path: "npm:vega-datasets/data/cars.json" }
  movies: { path: "npm:vega-datasets/data/movies.json" }
  zipcodes: { path: "npm:vega-datasets/data/zipcodes.csv" }
  airports: { path: "npm:vega-datasets/data/airports.csv" }
  birdstrikes: { path: "npm:vega-datasets/data/birdstrikes.csv" }
  weather: { path: "npm:vega-datasets/data/seattle-weather.csv" }
  states: { path: states.csv }
`;

let counter = 0;
async function suite(checks: string, now = new Date('2026-01-01T00:00:00Z')): Promise<Report> {
  const file = path.join(tmp, `s${++counter}.yml`);
  writeFileSync(file, `version: 1\nsuite: s${counter}\n${DATASETS}checks:\n${checks}`);
  return runSuite({ suiteFile: file, now, threads: 1, root: tmp });
}
const byId = (r: Report, id: string): CheckResult => r.checks.find((c) => c.id === id) ?? (() => { throw new Error(`no ${id}: ${JSON.stringify(r.errors)}`); })();

beforeAll(() => {
  mkdirSync(path.join(tmp, '.git'));
  // a reference list of states (a subset): zip codes in other states have no parent
  writeFileSync(path.join(tmp, 'states.csv'), 'code\nNY\nCA\nTX\nFL\nWA\n');
  // npm: resolves from the suite's directory, then the current one (the repository)
});

const cars = parseJson('cars.json');
const movies = parseJson('movies.json');
const zipcodes = parseCsv('zipcodes.csv');
const airports = parseCsv('airports.csv');
const birdstrikes = parseCsv('birdstrikes.csv');
const weather = parseCsv('seattle-weather.csv');

describe('accepted_values compares in the column type', () => {
  const mpg = (r: Record<string, unknown>) => r.Miles_per_Gallon as number | null;
  const listed = [18, 15, 16, 17, 14, 24, 22];
  const bad = cars.filter((r) => mpg(r) !== null && !listed.includes(mpg(r)!));

  it('string values on a DOUBLE column count like numbers (must-fail: the recount)', async () => {
    const r = await suite(`  - { id: as_text, type: accepted_values, dataset: cars, column: Miles_per_Gallon, values: ${JSON.stringify(listed.map(String))} }\n  - { id: as_numbers, type: accepted_values, dataset: cars, column: Miles_per_Gallon, values: ${JSON.stringify(listed)} }\n`);
    for (const id of ['as_text', 'as_numbers']) {
      expect(byId(r, id), id).toMatchObject({ status: 'fail', failing_rows: bad.length, total_rows: cars.length, failing_distinct: distinct(bad, mpg) });
    }
  });

  it('every value listed, as text, passes (must-pass)', async () => {
    const all = [...new Set(cars.map(mpg).filter((v) => v !== null))].map(String);
    const r = await suite(`  - { id: all, type: accepted_values, dataset: cars, column: Miles_per_Gallon, values: ${JSON.stringify(all)} }\n`);
    expect(byId(r, 'all')).toMatchObject({ status: 'pass', failing_rows: 0, failing_distinct: 0 });
  });

  it('on a JSON column, strings are unwrapped (no Malformed JSON error)', async () => {
    const title = (m: Record<string, unknown>) => (m.Title === null || m.Title === undefined ? null : String(m.Title));
    const values = ['Titanic', 'Avatar', '300'];
    const badTitles = movies.filter((m) => title(m) !== null && !values.includes(title(m)!));
    const r = await suite(`  - { id: titles, type: accepted_values, dataset: movies, column: Title, values: ${JSON.stringify(values)} }\n  - { id: listed, type: accepted_values, dataset: movies, column: Title, values: ${JSON.stringify(values)}, where: "\\"Title\\" ->> '$' IN ('Titanic', 'Avatar', '300')" }\n`);
    expect(byId(r, 'titles')).toMatchObject({ status: 'fail', failing_rows: badTitles.length, failing_distinct: distinct(badTitles, title) });
    expect(byId(r, 'listed')).toMatchObject({ status: 'pass', failing_rows: 0, total_rows: movies.length - badTitles.length - movies.filter((m) => title(m) === null).length });
  });
});

describe('regex sees the documented text', () => {
  it('on a JSON column: the string, not its JSON text with quotes (must-fail and must-pass)', async () => {
    const title = (m: Record<string, unknown>) => (m.Title === null || m.Title === undefined ? null : String(m.Title));
    const re = /^(?:[A-Z0-9].*)$/;
    const bad = movies.filter((m) => title(m) !== null && !re.test(title(m)!));
    expect(bad.length).toBeGreaterThan(0);
    const r = await suite(`  - { id: cap, type: regex, dataset: movies, column: Title, pattern: '[A-Z0-9].*' }\n  - { id: any, type: regex, dataset: movies, column: Title, pattern: '[^"].*' }\n`);
    expect(byId(r, 'cap')).toMatchObject({ status: 'fail', failing_rows: bad.length, failing_distinct: distinct(bad, title) });
    expect(byId(r, 'any')).toMatchObject({ status: 'pass', failing_rows: 0 });
  });
});

describe('unique reports distinct duplicated keys next to failing rows', () => {
  it('counts rows beyond the first, duplicated keys (dbt, Soda) and all their rows (Great Expectations)', async () => {
    const city = (r: Record<string, string | null>) => r.city;
    const nonNull = zipcodes.filter((r) => city(r) !== null);
    const dups = duplicates(nonNull, city);
    const r = await suite('  - { id: city, type: unique, dataset: zipcodes, columns: city }\n  - { id: zip, type: unique, dataset: zipcodes, columns: zip_code }\n');
    expect(byId(r, 'city')).toMatchObject({
      status: 'fail',
      failing_rows: nonNull.length - distinct(nonNull, city),
      failing_distinct: dups.length,
      failing_key_rows: dups.reduce((a, b) => a + b, 0),
    });
    expect(duplicates(zipcodes, (x) => x.zip_code)).toEqual([]);
    expect(byId(r, 'zip')).toMatchObject({ status: 'pass', failing_rows: 0, failing_distinct: 0, failing_key_rows: 0 });
  });
});

describe('composite unique is exact on the values (dbt semantics: rows with a NULL in the key are not compared)', () => {
  /** Two different keys (id, code) whose 32-bit fingerprints, the candidates of phase 1, are equal: found with the engine itself. */
  async function fingerprintCollision(): Promise<Array<[number, string]>> {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const rows = (await conn.runAndReadAll(`SELECT min(i) AS a, max(i) AS b FROM (SELECT i, (hash(i, 'k' || i) & 4294967295)::UINTEGER AS fp FROM range(300000) AS r(i)) GROUP BY fp HAVING count(*) > 1 ORDER BY a LIMIT 1`)).getRowObjects();
      const { a, b } = rows[0]! as { a: bigint; b: bigint };
      return [Number(a), Number(b)].map((i) => [i, `k${i}`]);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  }
  /** The recount: rows without a NULL in the key, grouped by the key's values. */
  const recount = (rows: Array<[number | null, string | null]>) => {
    const keyed = rows.filter(([a, b]) => a !== null && b !== null);
    const dups = duplicates(keyed, ([a, b]) => `${a}|${b}`);
    return { total_rows: keyed.length, failing_rows: keyed.length - distinct(keyed, ([a, b]) => `${a}|${b}`), failing_distinct: dups.length, failing_key_rows: dups.reduce((x, y) => x + y, 0) };
  };
  const write = (file: string, rows: Array<[number | null, string | null]>) => writeFileSync(path.join(tmp, file), `id,code\n${rows.map(([a, b]) => `${a ?? ''},${b ?? ''}`).join('\n')}\n`);

  it('two keys with the same fingerprint are different keys (must-pass), duplicates of the values count like the recount (must-fail)', async () => {
    const collision = await fingerprintCollision();
    expect(collision[0]![0]).not.toBe(collision[1]![0]);
    // no duplicate: the colliding keys, NULL-keyed rows repeated (never compared) and unique keys
    const clean: Array<[number | null, string | null]> = [...collision, [2, null], [2, null], [null, 'b'], [null, 'b'], [null, null], [null, null], [3, 'c'], [4, 'c']];
    // the same plus a key three times: rows beyond the first 2, one key, its 3 rows
    const dirty: Array<[number | null, string | null]> = [...clean, [1, 'a'], [1, 'a'], [1, 'a']];
    write('uclean.csv', clean);
    write('udirty.csv', dirty);
    const file = path.join(tmp, `s${++counter}.yml`);
    writeFileSync(file, `version: 1\nsuite: s${counter}\ndatasets:\n  uclean: { path: uclean.csv }\n  udirty: { path: udirty.csv }\nchecks:\n  - { id: clean, type: unique, dataset: uclean, columns: [id, code] }\n  - { id: dirty, type: unique, dataset: udirty, columns: [id, code] }\n  - { id: one_column, type: unique, dataset: udirty, columns: code }\n`);
    const r = await runSuite({ suiteFile: file, now: new Date('2026-01-01T00:00:00Z'), threads: 1, root: tmp });
    expect(recount(clean)).toMatchObject({ failing_rows: 0 });
    expect(byId(r, 'clean')).toMatchObject({ status: 'pass', ...recount(clean) });
    expect(recount(dirty)).toMatchObject({ failing_rows: 2, failing_distinct: 1, failing_key_rows: 3 });
    expect(byId(r, 'dirty')).toMatchObject({ status: 'fail', ...recount(dirty) });
    expect(byId(r, 'dirty').samples).toEqual([{ id: 1, code: 'a', occurrences: 3 }]);
    // one column: NULLs are not compared ('b' and 'c' twice, 'a' three times)
    const codes = dirty.map(([, b]) => b).filter((b) => b !== null);
    expect(duplicates(codes, (c) => c)).toEqual([2, 2, 3]);
    expect(byId(r, 'one_column')).toMatchObject({ status: 'fail', total_rows: codes.length, failing_rows: codes.length - new Set(codes).size, failing_distinct: 3, failing_key_rows: 7 });
  });
});

describe('relationships report distinct keys without a parent', () => {
  it('counts child rows and distinct orphan keys (must-fail) and passes on a filtered child (must-pass)', async () => {
    const parents = ['NY', 'CA', 'TX', 'FL', 'WA'];
    const orphans = zipcodes.filter((z) => z.state !== null && !parents.includes(z.state as string));
    const r = await suite(`  - { id: fk, type: relationships, dataset: zipcodes, columns: state, to: { dataset: states, columns: code } }\n  - { id: fk_ok, type: relationships, dataset: zipcodes, columns: state, to: { dataset: states, columns: code }, where: "state IN ('NY', 'WA')" }\n`);
    expect(byId(r, 'fk')).toMatchObject({ status: 'fail', failing_rows: orphans.length, failing_distinct: distinct(orphans, (z) => z.state) });
    expect(byId(r, 'fk_ok')).toMatchObject({ status: 'pass', failing_rows: 0, total_rows: zipcodes.filter((z) => z.state === 'NY' || z.state === 'WA').length });
  });
});

describe('a sql check whose query fails while running is an error, not failing rows', () => {
  it('must-fail: a column that cannot be computed', async () => {
    const r = await suite('  - { id: broken, type: sql, dataset: cars, query: "SELECT CAST(Name AS INTEGER) AS n FROM cars WHERE Cylinders = 8" }\n');
    expect(byId(r, 'broken')).toMatchObject({ status: 'error', failing_rows: null });
  });
  it('must-pass: the same rows, computable, are counted like the recount', async () => {
    const r = await suite('  - { id: v8, type: sql, dataset: cars, query: "SELECT upper(Name) AS n FROM cars WHERE Cylinders = 8" }\n');
    expect(byId(r, 'v8')).toMatchObject({ status: 'fail', failing_rows: cars.filter((c) => c.Cylinders === 8).length });
  });
});

describe('freshness fails on a future timestamp beyond the clock-skew allowance', () => {
  const newest = weather.map((w) => w.date!).sort().at(-1)!;
  const at = (offsetMs: number) => new Date(Date.parse(`${newest}T00:00:00Z`) + offsetMs);
  const check = '  - { id: fresh, type: freshness, dataset: weather, column: date, max_age: 2d }\n';
  it('must-fail: the newest date lies months ahead of the clock', async () => {
    const r = await suite(check, at(-180 * 86_400_000));
    expect(byId(r, 'fresh')).toMatchObject({ status: 'fail', failing_rows: 1 });
    expect(byId(r, 'fresh').message).toContain(`newest date is ${newest}T00:00:00.000Z`);
    expect(byId(r, 'fresh').message).toMatch(/in the future/);
  });
  it('must-pass: two minutes ahead (within the 5-minute allowance) and one day old', async () => {
    expect(byId(await suite(check, at(-2 * 60_000)), 'fresh').status).toBe('pass');
    expect(byId(await suite(check, at(86_400_000)), 'fresh').status).toBe('pass');
  });
  it('must-fail: older than max_age', async () => {
    expect(byId(await suite(check, at(3 * 86_400_000)), 'fresh').status).toBe('fail');
  });
});

describe('an independent recount of plain checks on six datasets', () => {
  type Row = Record<string, unknown>;
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const CASES: Array<{ id: string; yaml: string; rows: Row[]; failing: (r: Row) => boolean; total?: number }> = [
    { id: 'bs_speed_nn', yaml: 'type: not_null, dataset: birdstrikes, columns: "Speed IAS in knots"', rows: birdstrikes, failing: (r) => r['Speed IAS in knots'] === null },
    { id: 'bs_cost_range', yaml: 'type: range, dataset: birdstrikes, column: "Cost Total $", min: 0, max: 100000', rows: birdstrikes, failing: (r) => num(r['Cost Total $']) !== null && (num(r['Cost Total $'])! < 0 || num(r['Cost Total $'])! > 100000) },
    { id: 'bs_phase_av', yaml: 'type: accepted_values, dataset: birdstrikes, column: "Phase of flight", values: [Approach, Climb, Landing Roll]', rows: birdstrikes, failing: (r) => r['Phase of flight'] !== null && !['Approach', 'Climb', 'Landing Roll'].includes(r['Phase of flight'] as string) },
    { id: 'ap_iata_re', yaml: "type: regex, dataset: airports, column: iata, pattern: '[A-Z]{3}'", rows: airports, failing: (r) => r.iata !== null && !/^[A-Z]{3}$/.test(r.iata as string) },
    { id: 'ap_lat_range', yaml: 'type: range, dataset: airports, column: latitude, min: 20, max: 50, inclusive: false', rows: airports, failing: (r) => num(r.latitude)! <= 20 || num(r.latitude)! >= 50 },
    { id: 'ap_state_nn', yaml: 'type: not_null, dataset: airports, columns: state', rows: airports, failing: (r) => r.state === null },
    { id: 'zip_lon_range', yaml: 'type: range, dataset: zipcodes, column: longitude, max: -100', rows: zipcodes, failing: (r) => num(r.longitude) !== null && num(r.longitude)! > -100 },
    { id: 'zip_county_re', yaml: "type: regex, dataset: zipcodes, column: county, pattern: '[A-Z][a-z]+'", rows: zipcodes, failing: (r) => r.county !== null && !/^[A-Z][a-z]+$/.test(r.county as string) },
    { id: 'cars_hp_nn', yaml: 'type: not_null, dataset: cars, columns: Horsepower', rows: cars, failing: (r) => r.Horsepower === null || r.Horsepower === undefined },
    { id: 'cars_origin_av', yaml: 'type: accepted_values, dataset: cars, column: Origin, values: [USA, Europe]', rows: cars, failing: (r) => !['USA', 'Europe'].includes(r.Origin as string) },
    { id: 'cars_cyl_av', yaml: "type: accepted_values, dataset: cars, column: Cylinders, values: ['4', '6', '8']", rows: cars, failing: (r) => ![4, 6, 8].includes(r.Cylinders as number) },
    { id: 'movies_imdb_range', yaml: 'type: range, dataset: movies, column: IMDB Rating, min: 5, max: 9', rows: movies, failing: (r) => typeof r['IMDB Rating'] === 'number' && (r['IMDB Rating'] < 5 || r['IMDB Rating'] > 9) },
    { id: 'movies_mpaa_av', yaml: 'type: accepted_values, dataset: movies, column: MPAA Rating, values: [G, PG, PG-13, R]', rows: movies, failing: (r) => typeof r['MPAA Rating'] === 'string' && !['G', 'PG', 'PG-13', 'R'].includes(r['MPAA Rating']) },
    { id: 'weather_kind_av', yaml: 'type: accepted_values, dataset: weather, column: weather, values: [sun, rain]', rows: weather, failing: (r) => !['sun', 'rain'].includes(r.weather as string) },
    { id: 'weather_wind_range', yaml: 'type: range, dataset: weather, column: wind, min: 1, max: 7', rows: weather, failing: (r) => num(r.wind)! < 1 || num(r.wind)! > 7 },
    { id: 'weather_precip_where', yaml: "type: range, dataset: weather, column: precipitation, max: 10, where: \"weather = 'rain'\"", rows: weather.filter((r) => r.weather === 'rain'), failing: (r) => num(r.precipitation)! > 10 },
  ];

  it(`${CASES.length} checks count exactly what a plain recount counts`, async () => {
    const r = await suite(CASES.map((c) => `  - { id: ${c.id}, ${c.yaml} }\n`).join(''));
    expect(r.errors).toEqual([]);
    const got = Object.fromEntries(CASES.map((c) => [c.id, { failing: byId(r, c.id).failing_rows, total: byId(r, c.id).total_rows }]));
    const want = Object.fromEntries(CASES.map((c) => [c.id, { failing: c.rows.filter(c.failing).length, total: c.rows.length }]));
    expect(got).toEqual(want);
    // the cases are not vacuous: most of them find failures
    expect(CASES.filter((c) => c.rows.some(c.failing)).length).toBeGreaterThanOrEqual(12);
  });
});

describe('settings no data could satisfy are refused when the suite loads (exit 2)', () => {
  const cli = async (name: string, check: string) => {
    mkdirSync(path.join(tmp, 'cli'), { recursive: true });
    writeFileSync(path.join(tmp, 'cli', 'people.csv'), 'id,age\n1,30\n2,40\n');
    writeFileSync(path.join(tmp, 'cli', `${name}.yml`), `version: 1\nsuite: ${name}\ndatasets:\n  people: { path: people.csv }\nchecks:\n  - ${check}\n`);
    return runQualityCli(['--suite', `${name}.yml`], { cwd: path.join(tmp, 'cli'), outDir: mkdtempSync(path.join(tmp, 'out-')) });
  };
  it.each([
    ['range_min_gt_max', '{ type: range, dataset: people, column: age, min: 50, max: 10 }', /checks\[0\]\.min: min \(50\) is greater than max \(10\)/, '{ type: range, dataset: people, column: age, min: 10, max: 50 }'],
    ['range_empty', '{ type: range, dataset: people, column: age, min: 5, max: 5, inclusive: { max: false } }', /checks\[0\]\.inclusive: min and max are both 5/, '{ type: range, dataset: people, column: age, min: 5, max: 50 }'],
    ['schema_where', '{ type: schema, dataset: people, columns: { id: BIGINT, age: BIGINT }, where: "age > 1" }', /checks\[0\]\.where: schema does not take where/, '{ type: schema, dataset: people, columns: { id: BIGINT, age: BIGINT } }'],
    ['row_count_tolerance', '{ type: row_count, dataset: people, min: 1, max_failing: 3 }', /checks\[0\]\.max_failing: row_count does not take max_failing: .*widen min\/max/, '{ type: row_count, dataset: people, min: 1 }'],
    ['freshness_tolerance', '{ type: freshness, dataset: people, column: age, max_age: 1d, max_failing_ratio: 0.5 }', /checks\[0\]\.max_failing_ratio: freshness does not take max_failing_ratio/, '{ type: not_null, dataset: people, columns: age, max_failing_ratio: 0.5 }'],
  ] as const)('%s', async (name, bad, message, good) => {
    const refused = await cli(name, bad);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(message);
    expect(refused.reports[0]!.checks).toEqual([]);
    const fine = await cli(`${name}_ok`, good);
    expect(fine.code, fine.stdout + fine.stderr).toBe(0);
  });
});
