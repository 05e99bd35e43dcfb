/**
 * Whole-process figures of issue 14, measured side by side in one run and printed in one table:
 *
 * - point 3, fast start: `dataops --help` (target ≤ 150 ms) next to `node -e 0`; the data-quality
 *   action's cold start (the committed bundle, engine in the tool cache) against 2× `node -e 0` +
 *   engine load (bench/data-quality-action.ts).
 * - point 4, suite speed: the example flights suite (3M rows, vega-datasets flights-3m.parquet) as a
 *   whole `dataops quality` process against a bare DuckDB process (@duckdb/node-api) scanning every
 *   column of the same file, `SELECT sum(hash(COLUMNS(*))) FROM read_parquet(…)`. Target: ≤ 2.5×.
 *
 * Every process runs once per round, in an order that rotates from round to round, after one
 * warm-up round (OS cache, compile caches): ROUNDS interleaved runs of each, medians printed. The
 * machine may be shared, so each figure is printed twice: wall time, and CPU time (user + system,
 * every thread), which moves less with the load; the load average (`uptime`) is printed before
 * and after.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { prepareActionStart, type Command } from './data-quality-action.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(ROOT, 'bin', 'dataops.js');
const EXAMPLE = path.join(ROOT, 'templates/example-pipeline');
export const FLIGHTS = path.join(ROOT, 'node_modules/vega-datasets/data/flights-3m.parquet');
const ROUNDS = 3;
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
export async function timed(args: string[], okCodes: number[] = [0], where: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Sample> {
  const t = performance.now();
  let stderr: string;
  let stdout: string;
  try {
    ({ stdout, stderr } = await exec(process.execPath, ['--import', CPU_PRELOAD, ...args], { cwd: where.cwd ?? ROOT, env: where.env ?? process.env, maxBuffer: 16 << 20 }));
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

/**
 * Runs every process of `runs` once per round, `rounds` rounds after one warm-up round, in an order
 * that rotates each round (each process meets the same machine states as the others).
 * @returns the samples of each process by name (warm-up left out)
 */
export async function rounds(n: number, runs: Record<string, () => Promise<Sample>>): Promise<Record<string, Sample[]>> {
  const names = Object.keys(runs);
  const out: Record<string, Sample[]> = Object.fromEntries(names.map((k) => [k, []]));
  for (let r = -1; r < n; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + Math.max(r, 0)) % names.length]!;
      const sample = await runs[name]!();
      if (r >= 0) out[name]!.push(sample);
    }
  }
  return out;
}

/** `a` and `b` alternately, `n` times each (after one warm-up of each): the same machine state for both. */
export async function interleaved(n: number, a: () => Promise<Sample>, b: () => Promise<Sample>): Promise<[Sample[], Sample[]]> {
  const out = await rounds(n, { a, b });
  return [out.a!, out.b!];
}

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/** Runs the bench, prints one table; resolves the figures (milliseconds, ratios). */
export async function run(): Promise<Record<string, number>> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-whole-'));
  try {
    const loadBefore = load();
    const action = await prepareActionStart(path.join(tmp, 'action'));
    const floorScript = `import { DuckDBInstance } from '@duckdb/node-api'; const i = await DuckDBInstance.create(':memory:'); const c = await i.connect(); await c.run(${JSON.stringify(`SELECT sum(hash(COLUMNS(*))) FROM read_parquet('${FLIGHTS.replaceAll("'", "''")}')`)}); c.closeSync(); i.closeSync();`;
    const suiteArgs = [CLI, 'quality', '--project', EXAMPLE, '--suite', path.join(EXAMPLE, 'quality/flights.yml'), '--now', '2001-07-05T00:00:00Z', '--report', path.join(tmp, 'flights.json')];
    const command = (c: Command) => timed(c.args, [0], { cwd: c.cwd, env: c.env });
    const samples = await rounds(ROUNDS, {
      node0: () => timed(['-e', '0']),
      help: () => timed([CLI, '--help']),
      engine: () => command(action.engineLoad),
      action: () => command(action.action()),
      // the first action of a job on a hosted runner: Node's compile cache (in the tool cache) still empty
      actionUncompiled: () => {
        const c = action.action();
        return timed(c.args, [0], { cwd: c.cwd, env: { ...c.env, NODE_DISABLE_COMPILE_CACHE: '1' } });
      },
      floor: () => timed(['--input-type=module', '-e', floorScript]),
      suite: () => timed(suiteArgs, [0, 1]),
    });
    const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, med(v)])) as Record<keyof typeof samples, Omit<Sample, 'stdout'>>;
    const n0 = m.node0!;
    const h = m.help!;
    const f = m.floor!;
    const s = m.suite!;
    const a = m.action!;
    const au = m.actionUncompiled!;
    // target of the action: 2× node -e 0 + the engine load (the engine process minus its node start)
    const target = (k: 'wallMs' | 'cpuMs') => 2 * n0[k] + (m.engine![k] - n0[k]);
    const figures = {
      node_e0_ms: n0.wallMs,
      node_e0_cpu_ms: n0.cpuMs,
      help_ms: h.wallMs,
      help_cpu_ms: h.cpuMs,
      action_cold_start_ms: a.wallMs,
      action_cold_start_cpu_ms: a.cpuMs,
      action_cold_start_target_ms: target('wallMs'),
      action_cold_start_cpu_target_ms: target('cpuMs'),
      action_cold_start_uncompiled_ms: au.wallMs,
      action_cold_start_uncompiled_cpu_ms: au.cpuMs,
      floor_process_ms: f.wallMs,
      floor_process_cpu_ms: f.cpuMs,
      suite_process_ms: s.wallMs,
      suite_process_cpu_ms: s.cpuMs,
      suite_ratio: s.wallMs / f.wallMs,
      suite_cpu_ratio: s.cpuMs / f.cpuMs,
    };
    const both = (ok: (k: 'wallMs' | 'cpuMs') => boolean) => `wall ${verdict(ok('wallMs'))}, CPU ${verdict(ok('cpuMs'))}`;
    console.log(`\n## issue 14: whole processes, side by side in this run (median of ${ROUNDS} interleaved rounds after a warm-up)\n`);
    console.log('| figure | wall | CPU (user+sys) | target | verdict |');
    console.log('|---|---:|---:|---|---|');
    console.log(`| \`node -e 0\` | ${fmt(n0.wallMs)} ms | ${fmt(n0.cpuMs)} ms | | |`);
    console.log(`| 3. \`dataops --help\` | ${fmt(h.wallMs)} ms | ${fmt(h.cpuMs)} ms | ≤ 150 ms | ${both((k) => h[k] <= 150)} |`);
    console.log(`| engine load process (import @duckdb/node-api as npm installs it + open) | ${fmt(m.engine!.wallMs)} ms | ${fmt(m.engine!.cpuMs)} ms | | |`);
    console.log(`| 3. data-quality action cold start, engine cached (and Node's compile cache warm) | ${fmt(a.wallMs)} ms | ${fmt(a.cpuMs)} ms | ≤ 2× node -e 0 + engine load = ${fmt(target('wallMs'))} ms wall, ${fmt(target('cpuMs'))} ms CPU | ${both((k) => a[k] <= target(k))} |`);
    console.log(`| same, first action of a hosted job (compile cache empty: \`NODE_DISABLE_COMPILE_CACHE=1\`) | ${fmt(au.wallMs)} ms | ${fmt(au.cpuMs)} ms | same | ${both((k) => au[k] <= target(k))} |`);
    console.log(`| bare DuckDB process, \`sum(hash(COLUMNS(*)))\` over flights-3m.parquet | ${fmt(f.wallMs)} ms | ${fmt(f.cpuMs)} ms | | |`);
    console.log(`| 4. \`dataops quality\` flights suite, 3M rows | ${fmt(s.wallMs)} ms | ${fmt(s.cpuMs)} ms | | |`);
    console.log(`| 4. ratio suite / bare scan | ${fmt(figures.suite_ratio, 2)}× | ${fmt(figures.suite_cpu_ratio, 2)}× | ≤ 2.5× | ${both((k) => s[k] / f[k] <= 2.5)} |`);
    const list = (k: string) => samples[k]!.map((x) => `${fmt(x.wallMs)}/${fmt(x.cpuMs)}`).join(', ');
    console.log(`\nruns (wall/CPU ms): node -e 0 ${list('node0')}; --help ${list('help')}; engine ${list('engine')}; action ${list('action')}; action, compile cache empty ${list('actionUncompiled')}; bare scan ${list('floor')}; suite ${list('suite')}`);
    console.log(`engine install into an empty tool cache: ${fmt(action.installMs)} ms; load average (1, 5, 15 min) before ${loadBefore}, after ${load()} on ${os.cpus().length} CPUs`);
    return figures;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
