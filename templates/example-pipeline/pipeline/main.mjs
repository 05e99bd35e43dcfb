#!/usr/bin/env node
// Example DataOps pipeline: vega-datasets flights + airports → daily route aggregates.
// extract → validate inputs → transform → validate outputs → write, all in DuckDB.
// Usage: node pipeline/main.mjs --in <dir with flights.parquet + airports.csv> --out <dir>
// Exit codes: 0 written; 1 a validation failed (message names the check); 2 bad usage/missing input.
import { parseArgs } from 'node:util';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { extract } from './extract.mjs';
import { validateInputs, validateOutputs, ValidationError } from './validate.mjs';
import { transform } from './transform.mjs';
import { write } from './write.mjs';

const { values } = parseArgs({
  options: {
    in: { type: 'string', default: process.env.DATAOPS_IN ?? '/data/in' },
    out: { type: 'string', default: process.env.DATAOPS_OUT ?? '/data/out' },
    threads: { type: 'string', default: process.env.PIPELINE_THREADS ?? '' },
    'memory-limit': { type: 'string', default: process.env.PIPELINE_MEMORY_LIMIT ?? '' },
  },
});

const log = (msg) => process.stderr.write(`[pipeline] ${msg}\n`);

async function main() {
  const started = Date.now();
  const inDir = path.resolve(values.in);
  const outDir = path.resolve(values.out);
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    if (values.threads) await db.run(`SET threads = ${Number(values.threads)}`);
    if (values['memory-limit']) await db.run(`SET memory_limit = '${values['memory-limit'].replace(/'/g, '')}'`);
    const counts = await extract(db, inDir);
    log(`extract: ${counts.flights} flights, ${counts.airports} airports from ${inDir}`);
    await validateInputs(db);
    log('validate inputs: ok');
    const routes = await transform(db);
    log(`transform: ${routes} daily route rows`);
    await validateOutputs(db, counts.flights);
    log('validate outputs: ok');
    await mkdir(outDir, { recursive: true });
    const files = await write(db, outDir);
    log(`write: ${files.join(', ')} in ${Date.now() - started} ms`);
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

try {
  await main();
} catch (err) {
  if (err instanceof ValidationError) {
    log(`validation failed: ${err.message}`);
    process.exitCode = 1;
  } else if (err && err.code === 'INPUT') {
    log(`input error: ${err.message}`);
    process.exitCode = 2;
  } else {
    log(`error: ${err && err.stack ? err.stack : err}`);
    process.exitCode = 70;
  }
}

// buildah's chroot isolation relays the container's stdio and can drop what a process wrote just
// before a fast exit (seen about once in five runs): on failure, drain stderr and give the relay a
// moment, so the reason always reaches the caller's log.
if (process.exitCode) {
  await new Promise((resolve) => process.stderr.write('', resolve));
  await new Promise((resolve) => setTimeout(resolve, 200));
}
