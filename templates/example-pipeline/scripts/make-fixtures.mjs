#!/usr/bin/env node
// Regenerates fixtures/ from the vega-datasets package: one week of flights-3m between a handful of
// large airports (fixtures/flights.parquet) and the rows of airports.csv those flights name.
// Reproducible: same source data → same rows, ordered. Usage:
//   node scripts/make-fixtures.mjs [--source <vega-datasets/data dir>] [--out fixtures]
//          [--from 2001-01-01] [--days 7] [--airports ATL,ORD,...]
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const here = path.dirname(new URL(import.meta.url).pathname);
const { values } = parseArgs({
  options: {
    source: { type: 'string' },
    out: { type: 'string', default: path.join(here, '..', 'fixtures') },
    from: { type: 'string', default: '2001-01-01' },
    days: { type: 'string', default: '7' },
    airports: { type: 'string', default: 'ATL,ORD,DFW,LAX,DEN,PHX,SFO,LAS' },
  },
});

function findSource() {
  if (values.source) return path.resolve(values.source);
  for (let dir = here; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', 'vega-datasets', 'data');
    if (existsSync(path.join(candidate, 'flights-3m.parquet'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error('vega-datasets not found: npm install vega-datasets or pass --source');
  }
}

const source = findSource();
const out = path.resolve(values.out);
await mkdir(out, { recursive: true });
const q = (s) => `'${s.replace(/'/g, "''")}'`;
const codes = values.airports.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
const instance = await DuckDBInstance.create(':memory:');
const db = await instance.connect();
await db.run('SET threads = 1');
await db.run(`
  CREATE TABLE f AS
  SELECT date, delay, distance, origin, destination
  FROM read_parquet(${q(path.join(source, 'flights-3m.parquet'))})
  WHERE date >= DATE ${q(values.from)} AND date < DATE ${q(values.from)} + INTERVAL ${Number(values.days)} DAY
    AND origin IN (${codes.map(q).join(', ')}) AND destination IN (${codes.map(q).join(', ')})
  ORDER BY date, origin, destination, delay, distance`);
await db.run(`COPY f TO ${q(path.join(out, 'flights.parquet'))} (FORMAT parquet, COMPRESSION zstd)`);
await db.run(`
  COPY (SELECT * FROM read_csv(${q(path.join(source, 'airports.csv'))}, header = true, all_varchar = true)
        WHERE iata IN (SELECT origin FROM f UNION SELECT destination FROM f) ORDER BY iata)
  TO ${q(path.join(out, 'airports.csv'))} (FORMAT csv, HEADER true)`);
const n = (await db.runAndReadAll('SELECT count(*) FROM f')).getRows()[0][0];
process.stderr.write(`fixtures: ${n} flights between ${codes.join(', ')} from ${values.from} for ${values.days} days → ${out}\n`);
db.closeSync();
instance.closeSync();
