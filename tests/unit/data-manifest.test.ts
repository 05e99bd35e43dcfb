/**
 * Data manifests and column profiles (src/core/data/) on real vega-datasets files, each figure
 * checked against an independent computation in plain JS (or sha256 of the bytes), the content
 * hash stable under file order, PII columns counted only, and the document valid against the
 * generated JSON Schema.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../src/core/engine/duckdb.ts';
import { computeManifest, contentHash, manifestDigest, parseManifest, readManifest, serializeManifest, writeManifests } from '../../src/core/data/manifest.ts';
import { profileRelation } from '../../src/core/data/profile.ts';
import { literal } from '../../src/core/engine/quote.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { SCHEMAS, toJsonSchema } from '../../src/core/schemas.ts';

const DATA = path.resolve(import.meta.dirname, '../../node_modules/vega-datasets/data');
const AIRPORTS = path.join(DATA, 'airports.csv');
const MOVIES = path.join(DATA, 'movies.json');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'data-manifest-'));
let engine: Engine;
beforeAll(async () => {
  engine = await openEngine({ tempDirectory: tmp });
});
afterAll(() => {
  engine.close();
  rmSync(tmp, { recursive: true, force: true });
});

const fileSha = (f: string) => `sha256:${createHash('sha256').update(readFileSync(f)).digest('hex')}`;

/** Mean and sample stddev of numbers, in plain JS. */
function moments(xs: number[]): { mean: number; stddev: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, stddev: Math.sqrt(variance) };
}

describe('profileRelation', () => {
  it('movies.json: nulls, min/max, mean/stddev of every numeric column match a plain-JS count', async () => {
    const movies = JSON.parse(readFileSync(MOVIES, 'utf8')) as Array<Record<string, unknown>>;
    const p = await profileRelation(engine, `read_json(${literal(MOVIES)})`);
    expect(p.row_count).toBe(movies.length);
    expect(p.schema.map((c) => c.name)).toEqual(Object.keys(movies[0]!));
    for (const name of ['US Gross', 'Production Budget', 'IMDB Rating', 'Rotten Tomatoes Rating', 'Running Time min']) {
      const values = movies.map((m) => m[name]).filter((v): v is number => typeof v === 'number');
      const col = p.columns.find((c) => c.name === name)!;
      expect(col.nulls, name).toBe(movies.length - values.length);
      expect(col.min, name).toBe(Math.min(...values));
      expect(col.max, name).toBe(Math.max(...values));
      const m = moments(values);
      expect(col.mean! / m.mean, name).toBeCloseTo(1, 9);
      expect(col.stddev! / m.stddev, name).toBeCloseTo(1, 9);
    }
    const titles = movies.map((m) => m.Title).filter((v) => v !== null).map(String);
    const title = p.columns.find((c) => c.name === 'Title')!;
    expect(title.nulls).toBe(movies.length - titles.length);
    expect(title.distinct).toBe(new Set(titles).size);
    const votes = movies.map((m) => m['IMDB Votes']).filter((v) => v !== null);
    expect(p.columns.find((c) => c.name === 'IMDB Votes')!.distinct).toBe(new Set(votes).size);
    expect(title.mean).toBeUndefined();
  });

  it('a PII column keeps its counts and shows no value', async () => {
    const p = await profileRelation(engine, `read_csv(${literal(AIRPORTS)})`, { pii: new Set(['name', 'latitude']) });
    const name = p.columns.find((c) => c.name === 'name')!;
    const lat = p.columns.find((c) => c.name === 'latitude')!;
    expect(name).toMatchObject({ pii: true, min: null, max: null, nulls: 0 });
    expect(name.distinct).toBeGreaterThan(3000);
    expect(lat).toMatchObject({ pii: true, min: null, max: null, mean: null, stddev: null });
    const text = JSON.stringify(p);
    for (const v of ['Thigpen', 'Livingston Municipal', '31.95376472']) expect(text).not.toContain(v);
    // the other columns still show theirs
    expect(p.columns.find((c) => c.name === 'iata')!.min).toBe('00M');
  });
});

describe('computeManifest', () => {
  it('airports.csv: content hash over the file digest, row count and columns as a line count reads them', async () => {
    const m = await computeManifest(engine, { name: 'airports', location: 'airports.csv', files: [AIRPORTS], format: 'csv', root: DATA });
    const lines = readFileSync(AIRPORTS, 'utf8').trimEnd().split(/\r?\n/);
    expect(m.row_count).toBe(lines.length - 1);
    expect(m.schema.map((c) => c.name)).toEqual(lines[0]!.split(','));
    expect(m.schema.find((c) => c.name === 'latitude')!.type).toBe('DOUBLE');
    expect(m.dataset).toEqual({ name: 'airports', kind: 'file', location: 'airports.csv', format: 'csv', files: [{ path: 'airports.csv', bytes: readFileSync(AIRPORTS).length, sha256: fileSha(AIRPORTS) }] });
    expect(m.content_hash).toBe(contentHash([fileSha(AIRPORTS)]));
    expect(m.producer.engine).toMatch(/^duckdb v/);
  });

  it('the content hash and the manifest bytes do not depend on the order of the files; a changed byte changes them', async () => {
    const [header, ...rows] = readFileSync(AIRPORTS, 'utf8').trimEnd().split('\n');
    const a = path.join(tmp, 'part-a.csv');
    const b = path.join(tmp, 'part-b.csv');
    writeFileSync(a, [header, ...rows.slice(0, 1000)].join('\n') + '\n');
    writeFileSync(b, [header, ...rows.slice(1000)].join('\n') + '\n');
    const ab = await computeManifest(engine, { name: 'airports', location: 'part-*.csv', files: [a, b], format: 'csv', root: tmp });
    const ba = await computeManifest(engine, { name: 'airports', location: 'part-*.csv', files: [b, a], format: 'csv', root: tmp });
    expect(ab.row_count).toBe(rows.length);
    expect(ab.content_hash).toBe(ba.content_hash);
    expect(serializeManifest(ab)).toBe(serializeManifest(ba));
    expect(ab.dataset.files!.map((f) => f.path)).toEqual(['part-a.csv', 'part-b.csv']);
    writeFileSync(b, [header, `X${rows[1000]!}`, ...rows.slice(1001)].join('\n') + '\n');
    const changed = await computeManifest(engine, { name: 'airports', location: 'part-*.csv', files: [a, b], format: 'csv', root: tmp });
    expect(changed.content_hash).not.toBe(ab.content_hash);
    expect(changed.dataset.files![0]!.sha256).toBe(ab.dataset.files![0]!.sha256);
    expect(changed.dataset.files![1]!.sha256).toBe(fileSha(b));
  });

  it('flights-3m.parquet: the same data gives the same manifest digest on a second engine', async () => {
    const flights = path.join(DATA, 'flights-3m.parquet');
    const first = await computeManifest(engine, { name: 'flights', location: 'flights-3m.parquet', files: [flights], format: 'parquet', root: DATA });
    const other = await openEngine({ tempDirectory: tmp, threads: 1 });
    try {
      const second = await computeManifest(other, { name: 'flights', location: 'flights-3m.parquet', files: [flights], format: 'parquet', root: DATA });
      expect(manifestDigest(second)).toBe(manifestDigest(first));
    } finally {
      other.close();
    }
    expect(first.row_count).toBe(Number((await engine.query(`SELECT num_rows AS n FROM parquet_file_metadata(${literal(flights)})`))[0]!.n));
    const delay = first.columns.find((c) => c.name === 'delay')!;
    expect(delay.type).toMatch(/INT/);
    expect(typeof delay.mean).toBe('number');
  });

  it('an SQL dataset over a registered view: no content hash, the query as location', async () => {
    await engine.run(`CREATE VIEW big_airports AS SELECT state, count(*) AS n FROM read_csv(${literal(AIRPORTS)}) GROUP BY state`);
    const sql = 'SELECT state, count(*) AS n FROM airports GROUP BY state';
    const m = await computeManifest(engine, { name: 'by_state', location: sql, relation: '"big_airports"' });
    expect(m.dataset).toEqual({ name: 'by_state', kind: 'sql', location: sql });
    expect(m.content_hash).toBeNull();
    expect(m.columns.find((c) => c.name === 'n')!.nulls).toBe(0);
  });
});

describe('the manifest document', () => {
  it('validates against the generated JSON Schema, round-trips through a file, and bad documents name the field', async () => {
    const m = await computeManifest(engine, { name: 'movies', location: 'movies.json', files: [MOVIES], format: 'json', root: DATA });
    const entry = SCHEMAS.find((s) => s.file === 'data-manifest.schema.json')!;
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(toJsonSchema(entry));
    expect(validate(JSON.parse(serializeManifest(m))), JSON.stringify(validate.errors)).toBe(true);
    const [written] = await writeManifests(path.join(tmp, 'out'), [m]);
    expect(path.basename(written!.file)).toBe('movies.data-manifest.json');
    expect(written!.digest).toBe(manifestDigest(m));
    expect(await readManifest(written!.file)).toEqual(m);
    const bad = { ...m, row_count: -1 };
    expect(validate(bad)).toBe(false);
    expect(() => parseManifest(JSON.stringify(bad), 'm.json')).toThrow(ConfigError);
    expect(() => parseManifest(JSON.stringify(bad), 'm.json')).toThrow(/m\.json: row_count: /);
    expect(() => parseManifest('{', 'm.json')).toThrow(/m\.json: not JSON/);
  });
});
