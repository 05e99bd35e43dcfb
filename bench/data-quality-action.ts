/**
 * Data-quality action bench: the committed bundle (dist/data-quality, copied away from the
 * repository so no node_modules is reachable) on a one-check suite, started as GitHub starts it.
 *
 * - cold start: wall time of `node dist/data-quality/index.js` with the engine already in the tool
 *   cache, next to `node -e 0` and the engine load alone (import @duckdb/node-api, as npm installs
 *   it, from a tool cache + open an in-memory instance; the bundle carries the API itself). Target (issue 2 §3): ≤ 2× `node -e 0` + engine load.
 * - engine packaging: first-run overhead (npm ci of the pinned engine into an empty tool cache; the
 *   runner's npm cache is warm here, a fresh runner also downloads ~30 MB) vs the cached-run
 *   overhead (marker and version check).
 *
 * `node bench/data-quality-action.ts` runs it alone; `npm run bench` runs it inside
 * bench/whole-process.ts, next to the CLI's start-up and the suite-speed figures (issue 14).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ensureRuntimePackage } from '../src/core/runtime/install.ts';
import { runtimeLockFrom, type PackageLock } from '../src/core/runtime/lock.ts';
import { RUNTIME_PACKAGES, type RuntimePackageSpec } from '../src/core/runtime/packages.ts';

const DUCKDB = RUNTIME_PACKAGES.duckdb;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPEAT = 7;
const exec = promisify(execFile);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (n: number) => Math.round(n * 10) / 10;

/** Preload printing the process's CPU time (user + system, all threads) at exit: robust to a busy machine. */
const CPU_PRELOAD = `data:text/javascript,${encodeURIComponent("import { writeSync } from 'node:fs'; process.on('exit', () => { const u = process.cpuUsage(); writeSync(2, '\\n__cpu_us ' + (u.user + u.system) + '\\n'); });")}`;
const cpuTimes: Map<string, number[]> = new Map();

async function timeRun(args: string[], env: NodeJS.ProcessEnv, cwd: string, label?: string): Promise<number> {
  const t = performance.now();
  let stderr = '';
  try {
    ({ stderr } = await exec(process.execPath, label ? ['--import', CPU_PRELOAD, ...args] : args, { env, cwd }));
  } catch (err) {
    stderr = String((err as { stderr?: string }).stderr ?? '');
  }
  const wall = performance.now() - t;
  const cpu = /__cpu_us (\d+)/.exec(stderr);
  if (label && cpu) cpuTimes.set(label, [...(cpuTimes.get(label) ?? []), Number(cpu[1]) / 1000]);
  return wall;
}

async function repeat(n: number, fn: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await fn());
  return out;
}

/** A process to time: `node args…` in `cwd` with `env`. */
export interface Command {
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * Sets the data-quality action up in `tmp` as a runner would hold it: the committed bundle copied
 * away from the repository (no node_modules reachable), a workspace with a one-check suite, and
 * the engine installed into a tool cache (timed: `installMs`).
 * @returns the commands of a cached start of the action and of the engine load alone (import
 *   @duckdb/node-api as npm installs it, from a tool cache + open an in-memory instance).
 */
export async function prepareActionStart(tmp: string): Promise<{ installMs: number; action: () => Command; engineLoad: Command; bundle: string; lockFile: string; actionEnv: (toolCache: string) => NodeJS.ProcessEnv; ws: string; baseEnv: NodeJS.ProcessEnv }> {
  const distDir = path.join(tmp, 'action', 'dist');
  cpSync(path.join(ROOT, 'dist', 'package.json'), path.join(distDir, 'package.json'));
  cpSync(path.join(ROOT, 'dist', 'actions'), path.join(distDir, 'actions'), { recursive: true });
  cpSync(path.join(ROOT, 'dist', 'data-quality'), path.join(distDir, 'data-quality'), { recursive: true });
  const bundle = path.join(distDir, 'data-quality', 'index.js');
  const lockFile = path.join(distDir, 'actions', 'duckdb-lock.json');
  const ws = path.join(tmp, 'ws');
  mkdirSync(ws);
  writeFileSync(path.join(ws, 'data.csv'), 'id,name\n1,a\n2,b\n');
  writeFileSync(path.join(ws, 'one.yml'), 'version: 1\nsuite: one\ndatasets:\n  data: { path: data.csv }\nchecks:\n  - type: row_count\n    dataset: data\n    min: 1\n');
  const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(INPUT_|GITHUB_|RUNNER_)/.test(k)));
  const actionEnv = (toolCache: string): NodeJS.ProcessEnv => {
    const dir = mkdtempSync(path.join(tmp, 'run-'));
    writeFileSync(path.join(dir, 'out'), '');
    writeFileSync(path.join(dir, 'summary'), '');
    return { ...baseEnv, INPUT_SUITE: 'one.yml', 'INPUT_CHECK-RUN': 'false', GITHUB_OUTPUT: path.join(dir, 'out'), GITHUB_STEP_SUMMARY: path.join(dir, 'summary'), RUNNER_TEMP: dir, RUNNER_TOOL_CACHE: toolCache, GITHUB_WORKSPACE: ws };
  };
  const toolCache = path.join(tmp, 'tc-first');
  const { installMs } = await ensureRuntimePackage(DUCKDB, { lockFile, toolCache });
  // The engine load as a program pays it that installs @duckdb/node-api with npm (the bundle carries
  // the API and installs only its bindings): the API and its bindings, pinned by the same
  // package-lock.json, installed and pruned the same way into a tool cache of their own.
  const apiSpec: RuntimePackageSpec = { id: 'duckdb', label: '@duckdb/node-api', packages: ['@duckdb/node-api'], nativeBindings: '@duckdb/node-bindings-' };
  const apiLockFile = path.join(tmp, 'node-api-lock.json');
  writeFileSync(apiLockFile, JSON.stringify(runtimeLockFrom(JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as PackageLock, apiSpec)));
  const apiInstall = await ensureRuntimePackage(apiSpec, { lockFile: apiLockFile, toolCache: path.join(tmp, 'tc-node-api') });
  const entry = pathToFileURL(path.join(apiInstall.dir, 'node_modules', '@duckdb', 'node-api', 'lib', 'index.js')).href;
  const engineLoadScript = `const d = await import(${JSON.stringify(entry)}); const i = await d.DuckDBInstance.create(':memory:'); const c = await i.connect(); await c.run('SELECT 1'); c.closeSync(); i.closeSync();`;
  return {
    installMs,
    action: () => ({ args: [bundle], env: actionEnv(toolCache), cwd: ws }),
    engineLoad: { args: ['--input-type=module', '-e', engineLoadScript], env: baseEnv, cwd: ws },
    bundle,
    lockFile,
    actionEnv,
    ws,
    baseEnv,
  };
}

/** Runs the bench and prints its figures; resolves them (milliseconds). */
export async function measureActionStart(): Promise<Record<string, number>> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-dq-action-'));
  try {
    const { installMs, action: actionCommand, engineLoad: engineCommand, bundle, lockFile, actionEnv, ws, baseEnv } = await prepareActionStart(tmp);
    const first = { installMs };
    const firstCache = path.join(tmp, 'tc-first');
    // engine packaging: first run (empty tool cache) vs cached
    const cachedRuns = await repeat(REPEAT, async () => (await ensureRuntimePackage(DUCKDB, { lockFile, toolCache: firstCache })).installMs);
    // the whole action, first run on an empty tool cache vs warm
    const actionFirst = await timeRun([bundle], actionEnv(path.join(tmp, 'tc-action-first')), ws);

    // cold start with the engine cached
    const node0 = await repeat(REPEAT, () => timeRun(['-e', '0'], baseEnv, ws, 'node0'));
    const engineLoad = await repeat(REPEAT, () => timeRun(engineCommand.args, engineCommand.env, engineCommand.cwd, 'engine'));
    const action = await repeat(REPEAT, () => {
      const c = actionCommand();
      return timeRun(c.args, c.env, c.cwd, 'action');
    });

    const n0 = median(node0);
    const load = median(engineLoad) - n0;
    const cold = median(action);
    const target = 2 * n0 + load;
    const figures = {
      node_e0_ms: round(n0),
      engine_load_ms: round(load),
      action_cold_start_ms: round(cold),
      action_cold_start_target_ms: round(target),
      action_cold_start_vs_target: round(cold / target),
      engine_first_install_ms: round(first.installMs),
      engine_cached_check_ms: round(median(cachedRuns)),
      action_first_run_ms: round(actionFirst),
      action_first_run_overhead_ms: round(actionFirst - cold),
    };
    const cpu = (label: string) => median(cpuTimes.get(label) ?? [NaN]);
    const cpuTarget = 2 * cpu('node0') + (cpu('engine') - cpu('node0'));
    Object.assign(figures, { node_e0_cpu_ms: round(cpu('node0')), engine_load_cpu_ms: round(cpu('engine') - cpu('node0')), action_cold_start_cpu_ms: round(cpu('action')), action_cold_start_cpu_target_ms: round(cpuTarget) });
    const ok = cold <= target;
    const lines = [
      `data-quality action (bundle ${path.relative(ROOT, path.join(ROOT, 'dist/data-quality/index.js'))}, one-check suite, median of ${REPEAT})`,
      `  node -e 0                        ${figures.node_e0_ms} ms`,
      `  engine load (import + open)      ${figures.engine_load_ms} ms`,
      `  action cold start, engine cached ${figures.action_cold_start_ms} ms   target ≤ 2×node + engine load = ${figures.action_cold_start_target_ms} ms → ${ok ? 'MET' : 'MISSED'} (${figures.action_cold_start_vs_target}× of target)`,
      `  same in CPU time (user+sys)      node ${round(cpu('node0'))} ms, engine load ${round(cpu('engine') - cpu('node0'))} ms, action ${round(cpu('action'))} ms; target ${round(cpuTarget)} ms → ${cpu('action') <= cpuTarget ? 'MET' : 'MISSED'}`,
      `  engine install, first run        ${figures.engine_first_install_ms} ms (npm ci from a warm npm cache)`,
      `  engine check, cached run         ${figures.engine_cached_check_ms} ms`,
      `  action, first run (empty cache)  ${figures.action_first_run_ms} ms (+${figures.action_first_run_overhead_ms} ms over a cached run)`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return figures;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await measureActionStart();
