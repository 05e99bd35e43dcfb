/**
 * The locked engine (src/core/engine/duckdb.ts): after lock() it opens exactly the allowed files,
 * nothing else, no setting changes, and large inputs still spill to its private temp directory;
 * select() runs one SELECT statement only, by DuckDB's own statement parsing and types.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError, openEngine, StatementShapeError } from '../../src/core/engine/duckdb.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'engine-lock-'));
const allowed = path.join(tmp, 'allowed.csv');
const other = path.join(tmp, 'other.csv');
const FLIGHTS = path.resolve(import.meta.dirname, '../../node_modules/vega-datasets/data/flights-3m.parquet');
beforeAll(() => {
  writeFileSync(allowed, 'a\n1\n');
  writeFileSync(other, 'a\n2\n');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('Engine.lock', () => {
  it('allows exactly the listed files, refuses other reads, writes and settings', async () => {
    const engine = await openEngine({ tempDirectory: tmp });
    try {
      await engine.lock({ allowedPaths: [allowed] });
      expect(engine.locked).toBe(true);
      expect(await engine.select(`SELECT * FROM read_csv('${allowed}')`)).toEqual([{ a: 1 }]);
      for (const sql of [`SELECT * FROM read_csv('${other}')`, `SELECT * FROM glob('${tmp}/*')`, "SELECT * FROM read_text('/etc/hostname')"]) {
        await expect(engine.select(sql), sql).rejects.toThrow(/Permission Error/);
      }
      await expect(engine.run(`COPY (SELECT 1) TO '${path.join(tmp, 'out.csv')}'`)).rejects.toThrow(/Permission Error/);
      expect(existsSync(path.join(tmp, 'out.csv'))).toBe(false);
      for (const setting of ['enable_external_access = true', 'allowed_directories = [\'/\']', 'autoinstall_known_extensions = true', 'lock_configuration = false']) {
        await expect(engine.run(`SET ${setting}`), setting).rejects.toThrow(/locked/);
      }
    } finally {
      engine.close();
    }
  });

  it('still spills to its private temp directory past memory_limit, and removes it on close', async () => {
    const engine = await openEngine({ tempDirectory: tmp, memoryLimit: '48MB', threads: 2 });
    const spill = readdirSync(tmp).filter((f) => f.startsWith('dataops-duckdb-'));
    expect(spill).toHaveLength(1);
    try {
      await engine.lock({ allowedPaths: [FLIGHTS] });
      // a sort of 3M rows needs far more than 48MB: it completes only by spilling (the engine
      // deletes its temp files when the query ends, so the directory is watched while it runs)
      let spilled = false;
      const watch = setInterval(() => {
        spilled ||= readdirSync(path.join(tmp, spill[0]!)).some((f) => f.startsWith('duckdb_temp'));
      }, 5);
      try {
        const [r] = await engine.select<{ n: number }>(`SELECT count(*) AS n FROM (SELECT * FROM read_parquet('${FLIGHTS}') ORDER BY delay, distance, origin, destination, date OFFSET 1)`);
        expect(r!.n).toBe(2_999_999);
      } finally {
        clearInterval(watch);
      }
      expect(spilled).toBe(true);
    } finally {
      engine.close();
    }
    expect(existsSync(path.join(tmp, spill[0]!))).toBe(false);
  });
});

describe('Engine.select', () => {
  it('runs one SELECT and refuses several statements or another kind, by DuckDB statement type', async () => {
    const engine = await openEngine({ tempDirectory: tmp });
    try {
      expect(await engine.select('WITH x AS (SELECT 1 AS a) SELECT * FROM x')).toEqual([{ a: 1 }]);
      await expect(engine.select('SELECT 1; SELECT 2')).rejects.toThrow(new StatementShapeError('2 statements'));
      await expect(engine.select("ATTACH ':memory:' AS m")).rejects.toThrow(/found a statement of type ATTACH/);
      await expect(engine.select('SET threads = 1')).rejects.toThrow(/found a statement of type SET/);
      const err = await engine.select("SELECT CAST('x' AS INTEGER)").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).phase).toBe('run');
      const bind = await engine.select('SELECT nope FROM range(1)').catch((e: unknown) => e);
      expect((bind as EngineError).phase).toBe('prepare');
    } finally {
      engine.close();
    }
  });
});
