/**
 * Data diff bench (issue target: two 3M-row versions of flights, 1% of rows changed, diffed in
 * ≤ 3× the time of scanning both files). Writes both versions as Parquet (a row id as key; every
 * 100th row's delay changed), then prints side by side: a scan of both files (count and sum of
 * every column), the diff (src/core/data/diff.ts), and the ratio. Median of 3 runs each.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { diffRelations } from '../src/core/data/diff.ts';
import { openEngine } from '../src/core/engine/duckdb.ts';
import { literal } from '../src/core/engine/quote.ts';

const FLIGHTS = path.resolve(import.meta.dirname, '../node_modules/vega-datasets/data/flights-3m.parquet');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-diff-'));
  const engine = await openEngine({ tempDirectory: dir });
  try {
    const a = path.join(dir, 'a.parquet');
    const b = path.join(dir, 'b.parquet');
    await engine.run(`COPY (SELECT row_number() OVER () AS id, * FROM read_parquet(${literal(FLIGHTS)})) TO ${literal(a)} (FORMAT parquet)`);
    await engine.run(`COPY (SELECT id, date, CASE WHEN id % 100 = 0 THEN delay + 1 ELSE delay END AS delay, distance, origin, destination FROM read_parquet(${literal(a)})) TO ${literal(b)} (FORMAT parquet)`);
    const ra = `read_parquet([${literal(a)}])`;
    const rb = `read_parquet([${literal(b)}])`;
    const scan = async () => {
      const t = performance.now();
      for (const r of [ra, rb]) await engine.query(`SELECT count(*), sum(id), max(date), sum(delay), sum(distance), max(origin), max(destination) FROM ${r}`);
      return performance.now() - t;
    };
    let changed = 0;
    const diff = async () => {
      const t = performance.now();
      const d = await diffRelations(engine, ra, rb, { key: ['id'] });
      changed = d.rows!.changed;
      return performance.now() - t;
    };
    const scans: number[] = [];
    const diffs: number[] = [];
    for (let i = 0; i < 3; i++) {
      scans.push(await scan());
      diffs.push(await diff());
    }
    const s = median(scans);
    const d = median(diffs);
    console.log(`rows 3,000,000 per side, changed ${changed}`);
    console.log(`scan both files   ${s.toFixed(0).padStart(7)} ms`);
    console.log(`data diff (key)   ${d.toFixed(0).padStart(7)} ms`);
    console.log(`ratio             ${(d / s).toFixed(2).padStart(7)}×   (target ≤ 3×)`);
  } finally {
    engine.close();
    await rm(dir, { recursive: true, force: true });
  }
}
