import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { openEngine, type Engine } from '../../src/core/engine/duckdb.ts';
import { isNumericType } from '../../src/core/engine/types.ts';
import { MASK } from '../../src/core/quality/mask.ts';
import { withinTolerance } from '../../src/core/system-test/golden-checks.ts';
import { compareGolden, comparisonFormat, comparisonName } from '../../src/core/system-test/golden.ts';
import type { GoldenComparisonInput } from '../../src/core/image/system-test-config.ts';

let root: string;
let engine: Engine;
let n = 0;

const EXPECTED = `date,origin,destination,flights,avg_delay,carrier
2001-01-01,LAX,SFO,10,5.5,AA
2001-01-01,SFO,LAX,8,-2.25,UA
2001-01-02,LAX,SFO,12,7.0,AA
2001-01-02,JFK,BOS,3,0.0,DL
`;

/** Writes `files` into fresh out/ and exp/ dirs and returns them. */
function dirs(output: Record<string, string>, expected: Record<string, string>): { outputDir: string; expectedDir: string } {
  const d = path.join(root, String(n++));
  const outputDir = path.join(d, 'out');
  const expectedDir = path.join(d, 'exp');
  mkdirSync(outputDir, { recursive: true });
  mkdirSync(expectedDir, { recursive: true });
  for (const [f, text] of Object.entries(output)) writeFileSync(path.join(outputDir, f), text);
  for (const [f, text] of Object.entries(expected)) writeFileSync(path.join(expectedDir, f), text);
  return { outputDir, expectedDir };
}

async function compare(outputCsv: string | null, comparison: Partial<GoldenComparisonInput> = {}, expectedCsv = EXPECTED) {
  const d = dirs(outputCsv === null ? {} : { 'routes.csv': outputCsv }, { 'routes.csv': expectedCsv });
  const result = await compareGolden({ ...d, engine, comparisons: [{ output: 'routes.csv', key: ['date', 'origin', 'destination'], ...comparison }] });
  const by = (type: string) => {
    const c = result.checks.find((x) => x.type === type);
    if (!c) throw new Error(`no ${type} check`);
    return c;
  };
  return { result, by };
}

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'golden-'));
  engine = await openEngine();
});
afterAll(() => {
  engine.close();
  rmSync(root, { recursive: true, force: true });
});

describe('withinTolerance', () => {
  const exact = { absolute: 0, relative: 0 };
  it('is exact with zero tolerance', () => {
    expect(withinTolerance(1, 1, exact)).toBe(true);
    expect(withinTolerance(1, 1.000001, exact)).toBe(false);
  });
  it('accepts a difference equal to the absolute tolerance and refuses one just above', () => {
    expect(withinTolerance(10.5, 10, { absolute: 0.5, relative: 0 })).toBe(true);
    expect(withinTolerance(10.5001, 10, { absolute: 0.5, relative: 0 })).toBe(false);
    expect(withinTolerance(9.5, 10, { absolute: 0.5, relative: 0 })).toBe(true);
  });
  it('scales the relative tolerance with the expected value and takes the larger bound', () => {
    expect(withinTolerance(1010, 1000, { absolute: 0, relative: 0.01 })).toBe(true);
    expect(withinTolerance(1011, 1000, { absolute: 0, relative: 0.01 })).toBe(false);
    expect(withinTolerance(1011, 1000, { absolute: 11, relative: 0.01 })).toBe(true);
    expect(withinTolerance(0.001, 0, { absolute: 0, relative: 0.5 })).toBe(false);
  });
  it('absorbs float rounding of sums added in another order', () => {
    const a = [0.1, 0.2, 0.3].reduce((x, y) => x + y);
    const b = [0.3, 0.2, 0.1].reduce((x, y) => x + y);
    expect(a).not.toBe(b);
    expect(withinTolerance(a, b, exact)).toBe(true);
  });
  it('treats two NULLs as equal and one NULL as different', () => {
    expect(withinTolerance(null, null, exact)).toBe(true);
    expect(withinTolerance(null, 0, { absolute: 100, relative: 1 })).toBe(false);
    expect(withinTolerance(Number.NaN, Number.NaN, exact)).toBe(true);
  });
});

describe('helpers', () => {
  it('derives names and formats from the output path', () => {
    expect(comparisonName({ output: 'daily/daily_routes.csv' })).toBe('daily_routes');
    expect(comparisonName({ output: '2024-routes.parquet' })).toBe('_2024_routes');
    expect(comparisonName({ output: 'x.csv', name: 'routes' })).toBe('routes');
    expect(comparisonFormat({ output: 'a.parquet' })).toBe('parquet');
    expect(comparisonFormat({ output: 'a.jsonl' })).toBe('ndjson');
    expect(comparisonFormat({ output: 'a.csv.gz' })).toBe('csv');
    expect(comparisonFormat({ output: 'a.xlsx', format: 'csv' })).toBe('csv');
    expect(() => comparisonFormat({ output: 'a.xlsx' })).toThrow(ConfigError);
    expect(isNumericType('DECIMAL(18,3)')).toBe(true);
    expect(isNumericType('UBIGINT')).toBe(true);
    expect(isNumericType('VARCHAR')).toBe(false);
    expect(isNumericType('DATE')).toBe(false);
  });
});

describe('compareGolden', () => {
  it('passes every comparison on an identical output', async () => {
    const { result } = await compare(EXPECTED);
    expect(result.checks.map((c) => [c.type, c.status])).toEqual([
      ['golden_row_count', 'pass'],
      ['golden_schema', 'pass'],
      ['golden_keys', 'pass'],
      ['golden_aggregates', 'pass'],
      ['golden_values', 'pass'],
    ]);
    expect(result.checks.every((c) => c.dataset === 'routes' && c.id.endsWith('_routes'))).toBe(true);
    expect(result.datasets.map((d) => [d.name, d.row_count])).toEqual([
      ['routes', 4],
      ['routes (expected)', 4],
    ]);
    expect(result.datasets[0]!.content_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('passes on the same rows in another order', async () => {
    const [head, ...rows] = EXPECTED.trim().split('\n');
    const { result } = await compare([head, ...rows.reverse()].join('\n') + '\n');
    expect(result.checks.every((c) => c.status === 'pass')).toBe(true);
  });

  it('without a key compares row count, schema and aggregates only', async () => {
    const { result } = await compare(EXPECTED, { key: undefined });
    expect(result.checks.map((c) => c.type)).toEqual(['golden_row_count', 'golden_schema', 'golden_aggregates']);
  });

  it('fails the row count and key set on an extra row, with a sample of the extra key', async () => {
    const { by } = await compare(EXPECTED + '2001-01-03,BOS,JFK,1,1.0,DL\n');
    expect(by('golden_row_count')).toMatchObject({ status: 'fail', failing_rows: 1, total_rows: 5, message: '5 rows, expected 4 (+1)' });
    const keys = by('golden_keys');
    expect(keys.status).toBe('fail');
    expect(keys.failing_rows).toBe(1);
    expect(keys.message).toContain('1 key(s) only in the output');
    expect(keys.message).toContain('BOS/JFK');
    expect(keys.samples).toEqual([{ side: 'only_in_output', date: '2001-01-03', origin: 'BOS', destination: 'JFK' }]);
  });

  it('fails the key set on a missing row and on duplicate keys', async () => {
    const lines = EXPECTED.trim().split('\n');
    const missing = await compare(lines.slice(0, 4).join('\n') + '\n');
    expect(missing.by('golden_keys').message).toMatch(/1 key\(s\) only in the expected file; e\.g\. expected has .*JFK\/BOS/);
    expect(missing.by('golden_row_count').message).toBe('3 rows, expected 4 (-1)');

    const dup = await compare(EXPECTED + lines[1] + '\n');
    const k = dup.by('golden_keys');
    expect(k.status).toBe('fail');
    expect(k.message).toContain('1 duplicate key(s) in the output');
    expect(k.samples[0]).toMatchObject({ side: 'duplicate_in_output', origin: 'LAX', destination: 'SFO', occurrences: 2 });
  });

  it('reports missing, extra and changed columns', async () => {
    const out = EXPECTED.replace('flights,avg_delay,carrier', 'flights,avg_delay,carrier_code').replace(/\n/g, ',x\n').replace('carrier_code,x', 'carrier_code,note');
    const { by } = await compare(out.replace(/,10,/, ',ten,'));
    const schema = by('golden_schema');
    expect(schema.status).toBe('fail');
    expect(schema.message).toBe('missing columns: carrier; extra columns: carrier_code, note; type changed: flights BIGINT → VARCHAR');
    expect(schema.samples).toContainEqual({ column: 'carrier', issue: 'missing', expected_type: 'VARCHAR', output_type: null });
  });

  it('allows extra columns, ignored columns and type changes when told to', async () => {
    const out = EXPECTED.replace(/\n/g, ',2024-01-01T00:00:00\n').replace('carrier,2024-01-01T00:00:00', 'carrier,run_at');
    expect((await compare(out)).by('golden_schema').status).toBe('fail');
    expect((await compare(out, { allow_extra_columns: true })).by('golden_schema').status).toBe('pass');
    expect((await compare(out, { ignore_columns: ['run_at'] })).by('golden_schema').status).toBe('pass');
    const retyped = EXPECTED.replace('7.0', '7.5').replace('5.5', '5').replace('-2.25', '-2').replace('0.0', '0').replace('7.5', '7');
    const r = await compare(retyped, { compare_types: false });
    expect(r.by('golden_schema').status).toBe('pass');
    expect(r.by('golden_values').status).toBe('fail');
  });

  it('compares per-row numbers within the tolerance, and fails just outside it', async () => {
    const shifted = EXPECTED.replace('5.5,AA', '5.6,AA');
    expect((await compare(shifted)).by('golden_values').status).toBe('fail');
    expect((await compare(shifted, { tolerance: { absolute: 0.1 } })).by('golden_values').status).toBe('pass');
    expect((await compare(shifted, { tolerance: { absolute: 0.09 } })).by('golden_values').status).toBe('fail');
    expect((await compare(shifted, { tolerance: { relative: 0.02 } })).by('golden_values').status).toBe('pass');
    expect((await compare(shifted, { tolerance: { relative: 0.01 } })).by('golden_values').status).toBe('fail');
    // per-column tolerance overrides the comparison's
    expect((await compare(shifted, { tolerance: { absolute: 1 }, column_tolerance: { avg_delay: { absolute: 0.01 } } })).by('golden_values').status).toBe('fail');
    const v = (await compare(shifted)).by('golden_values');
    expect(v.failing_rows).toBe(1);
    expect(v.total_rows).toBe(4);
    expect(v.samples).toEqual([{ date: '2001-01-01', origin: 'LAX', destination: 'SFO', column: 'avg_delay', output: '5.6', expected: '5.5' }]);
    expect(v.message).toBe('1 of 4 rows matched on date, origin, destination differ; e.g. 2001-01-01/LAX/SFO: avg_delay = 5.6, expected 5.5');
  });

  it('compares text exactly and NULL against a value as a difference', async () => {
    const text = await compare(EXPECTED.replace('UA', 'XX'));
    expect(text.by('golden_values')).toMatchObject({ status: 'fail', failing_rows: 1 });
    expect(text.by('golden_aggregates').status).toBe('pass');
    const nulls = await compare(EXPECTED.replace(',8,', ',,'), { tolerance: { absolute: 100 } });
    expect(nulls.by('golden_values').status).toBe('fail');
  });

  it('limits value comparison to the listed columns', async () => {
    const out = EXPECTED.replace('UA', 'XX');
    const r = await compare(out, { columns: ['flights', 'avg_delay'] });
    expect(r.by('golden_values').status).toBe('pass');
    expect(r.by('golden_values').columns).toEqual(['flights', 'avg_delay']);
    const unknown = await compare(EXPECTED, { columns: ['nope'] });
    expect(unknown.by('golden_values').status).toBe('error');
    expect(unknown.by('golden_aggregates').message).toContain('nope');
  });

  it('checks sum, avg, min and max of numeric columns within the tolerance', async () => {
    // swapping two values keeps every aggregate but changes per-row values
    const swapped = EXPECTED.replace(',10,', ',TMP,').replace(',12,', ',10,').replace(',TMP,', ',12,');
    const s = await compare(swapped);
    expect(s.by('golden_aggregates').status).toBe('pass');
    expect(s.by('golden_values').failing_rows).toBe(2);

    const bigger = EXPECTED.replace(',12,', ',13,');
    const agg = (await compare(bigger)).by('golden_aggregates');
    expect(agg.status).toBe('fail');
    expect(agg.failing_rows).toBe(3); // sum, avg, max of flights
    expect(agg.samples.map((x) => x.aggregate)).toEqual(['sum', 'avg', 'max']);
    expect(agg.message).toContain('sum(flights) = 34, expected 33 (exact)');
    expect((await compare(bigger, { column_tolerance: { flights: { relative: 0.1 } } })).by('golden_aggregates').status).toBe('pass');
  });

  it('masks PII columns in samples', async () => {
    const out = EXPECTED.replace('UA', 'XX');
    const v = (await compare(out, { pii: ['carrier'] })).by('golden_values');
    expect(v.samples).toEqual([{ date: '2001-01-01', origin: 'SFO', destination: 'LAX', column: 'carrier', output: MASK, expected: MASK }]);
    expect(JSON.stringify(v)).not.toContain('XX');
    const keys = (await compare(EXPECTED + '2001-01-03,BOS,JFK,1,1.0,DL\n', { pii: ['origin'] })).by('golden_keys');
    expect(keys.samples[0]).toMatchObject({ origin: MASK, destination: 'JFK' });
    const agg = (await compare(EXPECTED.replace('5.5,AA', '9.5,AA'), { pii: ['avg_delay'] })).by('golden_aggregates');
    // (the check's duration_ms is a number that may happen to contain the digits)
    expect(JSON.stringify({ ...agg, duration_ms: 0 })).not.toContain('9.5');
  });

  it('fails every check when the image did not write the output, and errors when the expected file is missing', async () => {
    const { result } = await compare(null);
    expect(result.checks.every((c) => c.status === 'fail' && c.message === 'the image did not write routes.csv to its output directory')).toBe(true);
    const d = dirs({ 'routes.csv': EXPECTED }, {});
    const r = await compareGolden({ ...d, engine, comparisons: [{ output: 'routes.csv' }] });
    expect(r.checks.every((c) => c.status === 'error')).toBe(true);
  });

  it('errors when a key column is unknown', async () => {
    const { by } = await compare(EXPECTED, { key: 'route_id' });
    expect(by('golden_keys')).toMatchObject({ status: 'error' });
    expect(by('golden_keys').message).toContain('route_id');
    expect(by('golden_values').status).toBe('error');
  });

  it('reads parquet outputs and compares them with an expected CSV of another name', async () => {
    const d = dirs({}, { 'routes.csv': EXPECTED });
    const src = path.join(d.expectedDir, 'routes.csv');
    await engine.run(`COPY (SELECT * FROM read_csv('${src}')) TO '${path.join(d.outputDir, 'routes.parquet')}' (FORMAT parquet)`);
    await engine.run(`COPY (SELECT * FROM read_csv('${src}')) TO '${path.join(d.expectedDir, 'golden.parquet')}' (FORMAT parquet)`);
    const r = await compareGolden({ ...d, engine, comparisons: [{ output: 'routes.parquet', expected: 'golden.parquet', key: ['date', 'origin', 'destination'] }] });
    expect(r.checks.map((c) => c.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
  });

  it('reads no output that is a symbolic link leading out of the output directory (the image wrote it)', async () => {
    const d = dirs({}, { 'routes.csv': EXPECTED });
    const secret = path.join(root, `secret-${n}.csv`);
    writeFileSync(secret, 'date,origin,destination,flights,avg_delay,carrier\n2001-01-01,TOP,SECRET,1,1.0,XX\n');
    symlinkSync(secret, path.join(d.outputDir, 'routes.csv'));
    // no engine given: compareGolden opens its own and locks it to the compared files
    const result = await compareGolden({ ...d, comparisons: [{ output: 'routes.csv', key: ['date', 'origin', 'destination'] }] });
    expect(result.checks.every((c) => c.status === 'fail')).toBe(true);
    expect(result.checks[0]!.message).toMatch(/symbolic link leading outside its output directory: not read/);
    expect(JSON.stringify(result)).not.toContain('SECRET');
  });

  it('reads no expected file that is a credential file (gha-creds-*.json in an expected directory given as the workspace root)', async () => {
    const canary = `CREDSCANARY-${n}`;
    const creds = 'gha-creds-0123456789abcdef.json';
    // the image writes a same-named output whose value differs: a comparison would print the expected value
    const d = dirs({ [creds]: '{"type":"external_account","private_key":"guess"}\n' }, { [creds]: `{"type":"external_account","private_key":"${canary}"}\n` });
    const result = await compareGolden({ ...d, comparisons: [{ output: creds, key: 'type' }] });
    expect(result.checks.map((c) => c.status)).toEqual(['error', 'error', 'error', 'error', 'error']);
    expect(result.checks[0]!.message).toMatch(/expected file .*gha-creds-0123456789abcdef\.json is a credential file: not read/);
    expect(JSON.stringify(result)).not.toContain(canary);
  });

  it('compares on an engine of its own, locked to the compared files', async () => {
    const d = dirs({ 'routes.csv': EXPECTED }, { 'routes.csv': EXPECTED });
    const result = await compareGolden({ ...d, comparisons: [{ output: 'routes.csv', key: ['date', 'origin', 'destination'] }] });
    expect(result.checks.map((c) => c.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
  });

  it('refuses an invalid comparison as a configuration error', async () => {
    const d = dirs({}, {});
    await expect(compareGolden({ ...d, engine, comparisons: [{ output: 'x.csv', tolerance: { absolute: -1 } }] })).rejects.toThrow(ConfigError);
  });
});
