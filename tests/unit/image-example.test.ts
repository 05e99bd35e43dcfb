/**
 * The example pipeline on the host (real DuckDB): same engine version as the toolkit, small
 * committed fixtures, and running it on the fixtures reproduces expected/; bad inputs stop it at
 * the validation step with a message naming the check.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';

const root = path.resolve(import.meta.dirname, '../..');
const example = path.join(root, 'templates', 'example-pipeline');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'example-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function pipeline(inDir: string, outDir: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(example, 'pipeline', 'main.mjs'), '--in', inDir, '--out', outDir, '--threads', '1'], (err, _stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr });
    });
  });
}

describe('example pipeline', () => {
  it('pins the same DuckDB version as the toolkit', () => {
    const own = JSON.parse(readFileSync(path.join(example, 'package.json'), 'utf8'));
    const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
    expect(own.dependencies['@duckdb/node-api']).toBe(lock.packages['node_modules/@duckdb/node-api'].version);
  });

  it('keeps its fixtures small', () => {
    const total = readdirSync(path.join(example, 'fixtures')).reduce((n, f) => n + statSync(path.join(example, 'fixtures', f)).size, 0);
    expect(total).toBeLessThan(1024 * 1024);
  });

  it('reproduces expected/ from the fixtures', async () => {
    const out = path.join(tmp, 'out');
    const r = await pipeline(path.join(example, 'fixtures'), out);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(path.join(out, 'daily_routes.csv'), 'utf8')).toBe(readFileSync(path.join(example, 'expected', 'daily_routes.csv'), 'utf8'));
  });

  it.each([
    ['a NULL origin', "UPDATE f SET origin = NULL WHERE rowid = 3", /flights: not null .*1 row\(s\) fail/],
    ['an out-of-range delay', 'UPDATE f SET delay = 5000 WHERE rowid = 5', /flights: delay between -120 and 2880 minutes: 1 row\(s\) fail/],
    ['an unknown airport', "UPDATE f SET destination = 'ZZZ' WHERE rowid = 7", /flights: airports known: ZZZ not in airports\.csv/],
  ])('stops at validation on %s', async (_t, update, message) => {
    const inDir = mkdtempSync(path.join(tmp, 'in-'));
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    await db.run(`CREATE TABLE f AS SELECT * FROM '${path.join(example, 'fixtures', 'flights.parquet')}'`);
    await db.run(update);
    await db.run(`COPY f TO '${path.join(inDir, 'flights.parquet')}' (FORMAT parquet)`);
    await db.run(`COPY (SELECT * FROM read_csv('${path.join(example, 'fixtures', 'airports.csv')}', all_varchar = true)) TO '${path.join(inDir, 'airports.csv')}' (FORMAT csv, HEADER true)`);
    db.closeSync();
    const r = await pipeline(inDir, path.join(inDir, 'out'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });
});

