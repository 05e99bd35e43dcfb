/**
 * Whole-process figures of issue 14, measured side by side in one run and printed in one table:
 *
 * - point 3, fast start: `dataops --help` (target ≤ 150 ms) next to `node -e 0`, interleaved, median
 *   of HELP_REPEAT; the data-quality action's cold start (the committed bundle, engine in the tool
 *   cache) against 2× `node -e 0` + engine load (bench/data-quality-action.ts).
 * - point 4, suite speed: the example flights suite (3M rows, vega-datasets flights-3m.parquet) as a
 *   whole `dataops quality` process against a bare DuckDB process (@duckdb/node-api) scanning every
 *   column of the same file, `SELECT sum(hash(COLUMNS(*))) FROM read_parquet(…)`; the two
 *   interleaved, median of SUITE_REPEAT after one warm-up each (OS cache). Target: ≤ 2.5×.
 *
 * Wall times on a shared machine move with its load: run it when `uptime` shows it quiet. The
 * CPU time (user + system, every thread) of each process is printed too: steadier under load.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { measureActionStart } from './data-quality-action.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(ROOT, 'bin', 'dataops.js');
const EXAMPLE = path.join(ROOT, 'templates/example-pipeline');
export const FLIGHTS = path.join(ROOT, 'node_modules/vega-datasets/data/flights-3m.parquet');
const HELP_REPEAT = 9;
const SUITE_REPEAT = 3;
const exec = promisify(execFile);

/** Preload printing the process's CPU time at exit (user + system, all threads), on stderr. */
const CPU_PRELOAD = `data:text/javascript,${encodeURIComponent("import { writeSync } from 'node:fs'; process.on('exit', () => { const u = process.cpuUsage(); writeSync(2, '\\n__cpu_us ' + (u.user + u.system) + '\\n'); });")}`;

/** One process run: wall time and CPU time (user + system, all threads), milliseconds. */
export interface Sample {
  wallMs: number;
  cpuMs: number;
  /** The process's standard output. */
  stdout: string;
}

/** Runs `node args…` once; wall time and CPU time. @throws when the process fails with other than `okCodes`. */
export async function timed(args: string[], okCodes: number[] = [0]): Promise<Sample> {
  const t = performance.now();
  let stderr: string;
  let stdout: string;
  try {
    ({ stdout, stderr } = await exec(process.execPath, ['--import', CPU_PRELOAD, ...args], { cwd: ROOT, maxBuffer: 16 << 20 }));
  } catch (err) {
    const e = err as { code?: number; stderr?: string; stdout?: string };
    if (!okCodes.includes(e.code ?? -1)) throw err;
    stderr = e.stderr ?? '';
    stdout = e.stdout ?? '';
  }
  const wallMs = performance.now() - t;
  return { wallMs, cpuMs: Number(/__cpu_us (\d+)/.exec(stderr)?.[1] ?? NaN) / 1000, stdout };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const med = (s: Sample[]): Omit<Sample, 'stdout'> => ({ wallMs: median(s.map((x) => x.wallMs)), cpuMs: median(s.map((x) => x.cpuMs)) });
export const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
export const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

/** `a` and `b` alternately, `n` times each (after one warm-up of each): the same machine state for both. */
export async function interleaved(n: number, a: () => Promise<Sample>, b: () => Promise<Sample>): Promise<[Sample[], Sample[]]> {
  await a();
  await b();
  const as: Sample[] = [];
  const bs: Sample[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 2) {
      bs.push(await b());
      as.push(await a());
    } else {
      as.push(await a());
      bs.push(await b());
    }
  }
  return [as, bs];
}

/** Runs the bench, prints one table; resolves the figures (milliseconds, ratios). */
export async function run(): Promise<Record<string, number>> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-whole-'));
  try {
    // point 3: the CLI's help
    const [node0, help] = await interleaved(HELP_REPEAT, () => timed(['-e', '0']), () => timed([CLI, '--help']));
    // point 3: the action's cold start (prints its own detail lines)
    const action = await measureActionStart();
    // point 4: the flights suite as a whole process vs a bare scan process
    const floorScript = `import { DuckDBInstance } from '@duckdb/node-api'; const i = await DuckDBInstance.create(':memory:'); const c = await i.connect(); await c.run(${JSON.stringify(`SELECT sum(hash(COLUMNS(*))) FROM read_parquet('${FLIGHTS.replaceAll("'", "''")}')`)}); c.closeSync(); i.closeSync();`;
    const suiteArgs = [CLI, 'quality', '--project', EXAMPLE, '--suite', path.join(EXAMPLE, 'quality/flights.yml'), '--now', '2001-07-05T00:00:00Z', '--report', path.join(tmp, 'flights.json')];
    const [floor, suite] = await interleaved(SUITE_REPEAT, () => timed(['--input-type=module', '-e', floorScript]), () => timed(suiteArgs, [0, 1]));

    const n0 = med(node0);
    const h = med(help);
    const f = med(floor);
    const s = med(suite);
    const ratio = s.wallMs / f.wallMs;
    const figures = {
      node_e0_ms: n0.wallMs,
      help_ms: h.wallMs,
      help_cpu_ms: h.cpuMs,
      action_cold_start_ms: action.action_cold_start_ms!,
      action_cold_start_target_ms: action.action_cold_start_target_ms!,
      floor_process_ms: f.wallMs,
      suite_process_ms: s.wallMs,
      suite_ratio: ratio,
      suite_cpu_ratio: s.cpuMs / f.cpuMs,
    };
    console.log('\n## issue 14: whole processes, measured side by side in this run\n');
    console.log('| figure | measured | CPU (user+sys) | target | |');
    console.log('|---|---:|---:|---|---|');
    console.log(`| \`node -e 0\` (median of ${HELP_REPEAT}) | ${fmt(n0.wallMs)} ms | ${fmt(n0.cpuMs)} ms | | |`);
    console.log(`| 3. \`dataops --help\` (median of ${HELP_REPEAT}, interleaved with node -e 0) | ${fmt(h.wallMs)} ms | ${fmt(h.cpuMs)} ms | ≤ 150 ms | ${verdict(h.wallMs <= 150)} |`);
    console.log(`| 3. data-quality action cold start, engine cached | ${fmt(figures.action_cold_start_ms)} ms | ${fmt(action.action_cold_start_cpu_ms ?? NaN)} ms | ≤ 2× node -e 0 + engine load = ${fmt(figures.action_cold_start_target_ms)} ms | ${verdict(figures.action_cold_start_ms <= figures.action_cold_start_target_ms)} |`);
    console.log(`| bare DuckDB process, \`sum(hash(COLUMNS(*)))\` over flights-3m.parquet (median of ${SUITE_REPEAT}) | ${fmt(f.wallMs)} ms | ${fmt(f.cpuMs)} ms | | |`);
    console.log(`| 4. \`dataops quality\` flights suite, 3M rows (median of ${SUITE_REPEAT}, interleaved) | ${fmt(s.wallMs)} ms | ${fmt(s.cpuMs)} ms | | |`);
    console.log(`| 4. ratio suite / bare scan | ${fmt(ratio, 2)}× | ${fmt(figures.suite_cpu_ratio, 2)}× | ≤ 2.5× | ${verdict(ratio <= 2.5)} |`);
    console.log(`\nruns (ms): node -e 0 ${node0.map((x) => fmt(x.wallMs)).join(', ')}; --help ${help.map((x) => fmt(x.wallMs)).join(', ')}; bare scan ${floor.map((x) => fmt(x.wallMs)).join(', ')}; suite ${suite.map((x) => fmt(x.wallMs)).join(', ')}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    return figures;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
