/**
 * Data diff bench (issue 15 target: two 3M-row versions of flights, one with 1% of rows changed,
 * diffed in ≤ 3× the time of scanning both files). Whole processes, side by side in one run:
 *
 * - the versions: flights-3m.parquet has no natural key (date, origin and destination repeat), so
 *   both versions get a row number as key: `id` = the row's position in flights-3m.parquet
 *   (`file_row_number`, deterministic). `head` changes `delay` (+1) on every 100th row (`id % 100
 *   = 0`: 1% of the rows, 30,000). Written once into bench/.cache/data-diff/ (gitignored) and
 *   reused by later runs; delete the directory to write them again.
 * - the floor: a bare DuckDB process (@duckdb/node-api) scanning every column of both files,
 *   `SELECT sum(hash(COLUMNS(*))) FROM read_parquet(…)` over each;
 * - the diff: a whole `dataops data diff base.parquet head.parquet --key id` process.
 *
 * The two interleaved, median of {@link REPEAT} after one warm-up each (OS cache), wall and CPU
 * time (user + system, every thread). Wall times on a shared machine move with its load: the
 * load average is printed; the CPU ratio is steadier.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEngine } from '../src/core/engine/duckdb.ts';
import { literal } from '../src/core/engine/quote.ts';
import { CLI, FLIGHTS, fmt, interleaved, med, ROOT, timed, verdict } from './whole-process.ts';

const CACHE = path.join(ROOT, 'bench/.cache/data-diff');
const REPEAT = 3;
/** Every CHANGE_EVERY-th row of head has another delay. */
const CHANGE_EVERY = 100;
const TARGET = 3;

/** Writes base.parquet and head.parquet into the cache unless they are there; @returns their paths. */
async function versions(): Promise<{ base: string; head: string }> {
  const base = path.join(CACHE, 'base.parquet');
  const head = path.join(CACHE, 'head.parquet');
  if (existsSync(base) && existsSync(head)) return { base, head };
  mkdirSync(CACHE, { recursive: true });
  const engine = await openEngine({ tempDirectory: CACHE });
  try {
    // written under a temporary name and renamed: an interrupted run leaves no half file to reuse
    await engine.run(`COPY (SELECT file_row_number AS id, * EXCLUDE (file_row_number) FROM read_parquet(${literal(FLIGHTS)}, file_row_number = true) ORDER BY id) TO ${literal(`${base}.tmp`)} (FORMAT parquet)`);
    await engine.run(`COPY (SELECT * REPLACE (CASE WHEN id % ${CHANGE_EVERY} = 0 THEN delay + 1 ELSE delay END AS delay) FROM read_parquet(${literal(`${base}.tmp`)}) ORDER BY id) TO ${literal(`${head}.tmp`)} (FORMAT parquet)`);
  } finally {
    engine.close();
  }
  renameSync(`${base}.tmp`, base);
  renameSync(`${head}.tmp`, head);
  return { base, head };
}

/** Runs the bench, prints one table; resolves the figures (milliseconds, ratios). */
export async function run(): Promise<Record<string, number>> {
  const { base, head } = await versions();
  const scan = (f: string) => `SELECT sum(hash(COLUMNS(*))) FROM read_parquet('${f.replaceAll("'", "''")}')`;
  const floorScript = `import { DuckDBInstance } from '@duckdb/node-api'; const i = await DuckDBInstance.create(':memory:'); const c = await i.connect(); await c.run(${JSON.stringify(scan(base))}); await c.run(${JSON.stringify(scan(head))}); c.closeSync(); i.closeSync();`;
  const diffArgs = [CLI, 'data', 'diff', base, head, '--key', 'id', '--json'];
  let changed = -1;
  const [floor, diff] = await interleaved(
    REPEAT,
    () => timed(['--input-type=module', '-e', floorScript]),
    async () => {
      const s = await timed(diffArgs);
      changed = (JSON.parse(s.stdout) as Array<{ rows: { changed: number } }>)[0]!.rows.changed;
      return s;
    },
  );
  const f = med(floor);
  const d = med(diff);
  const figures = { floor_ms: f.wallMs, floor_cpu_ms: f.cpuMs, diff_ms: d.wallMs, diff_cpu_ms: d.cpuMs, ratio: d.wallMs / f.wallMs, cpu_ratio: d.cpuMs / f.cpuMs, changed };
  console.log(`\n## issue 15: data diff of two 3M-row versions of flights (${fmt(changed)} rows changed: every ${CHANGE_EVERY}th), whole processes side by side\n`);
  console.log('| figure | wall | CPU (user+sys) | target | |');
  console.log('|---|---:|---:|---|---|');
  console.log(`| bare DuckDB process, \`sum(hash(COLUMNS(*)))\` over both files (median of ${REPEAT}) | ${fmt(f.wallMs)} ms | ${fmt(f.cpuMs)} ms | | |`);
  console.log(`| \`dataops data diff base head --key id\` (median of ${REPEAT}, interleaved) | ${fmt(d.wallMs)} ms | ${fmt(d.cpuMs)} ms | | |`);
  console.log(`| ratio diff / scan | ${fmt(figures.ratio, 2)}× | ${fmt(figures.cpu_ratio, 2)}× | ≤ ${TARGET}× | ${verdict(figures.ratio <= TARGET)} |`);
  console.log(`\nruns (ms): scan ${floor.map((x) => fmt(x.wallMs)).join(', ')}; diff ${diff.map((x) => fmt(x.wallMs)).join(', ')}; versions in ${path.relative(ROOT, CACHE)}; cores ${os.availableParallelism()}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  return figures;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
