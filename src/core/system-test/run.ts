/**
 * System test of a built image: the image, pinned by digest, runs on fixture inputs (mounted
 * read-only at /data/in, outputs written to /data/out); then its outputs are compared with
 * `expected/` (golden.ts) and checked by quality suites. The result is one report of the
 * data-quality family (JSON, job summary, JUnit, check run), suite name `system_test`:
 * - `container_run`: exit code, duration, peak memory; a non-zero exit or a timeout fails it with
 *   a bounded tail of the container's stderr (its complete output is in `logDir`), and the outputs
 *   are then not checked; an exit 137 is explained by the memory cgroup's OOM kill counter; a run
 *   stopped by `signal` is reported as interrupted (the container stopped and removed);
 * - `golden_*` checks per compared output;
 * - the output suites' checks, ids prefixed with their suite name (`outputs.unique_…`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { EngineOptions } from '../engine/duckdb.ts';
import { ConfigError, isConfigError } from '../errors.ts';
import { confinePath } from '../paths.ts';
import { sha256 } from '../hash.ts';
import { requireDigestRef } from '../image/ref.ts';
import { runImage, type RunImageResult } from '../image/run.ts';
import type { GoldenComparison, GoldenComparisonInput, Runner } from '../image/system-test-config.ts';
import { loadSuite } from '../quality/load.ts';
import { runSuite } from '../quality/run.ts';
import type { DatasetSpec } from '../quality/suite.ts';
import { buildReport, type CheckResult, type DatasetReport, type FailOn, type Report } from '../report/report.ts';
import { compareGolden, comparisonDataset, comparisonName, parseComparisons } from './golden.ts';

/** Suite name of system-test reports (check run `dataops system-test`). */
export const SYSTEM_TEST_SUITE = 'system_test';
/** Lines of the container's stderr kept in the report. */
export const STDERR_TAIL_LINES = 20;
/** Characters kept of one stderr line in the report (a longer line is cut, its end kept). */
export const STDERR_LINE_CHARS = 400;

/** Options of {@link runSystemTest}. */
export interface SystemTestOptions {
  /** Image by digest, `name@sha256:…`; a tag-only reference is refused. */
  image: string;
  /** OCI image layout holding the image (from the build); otherwise the runner pulls it. */
  layoutDir?: string;
  /** Fixture inputs, mounted read-only at /data/in. */
  fixturesDir: string;
  /** Expected outputs. */
  expectedDir: string;
  /** Where the container writes (/data/out): created; must be empty so stale files cannot pass. */
  outputDir: string;
  /** Golden comparisons (see `image.system_test.compare`). */
  comparisons: GoldenComparisonInput[];
  /** Quality suite files run on the outputs; each compared output is a dataset by its name. */
  suites?: string[];
  /** Further output files (relative to outputDir) exposed to the suites by name. */
  outputs?: Record<string, string>;
  /** Project datasets (dataops.yml) also visible to the suites, resolved from `projectDir`. */
  projectDatasets?: Record<string, DatasetSpec>;
  projectDir?: string;
  /** Container environment. */
  env?: Record<string, string>;
  /** Arguments appended to the entrypoint. */
  args?: string[];
  /** The container is stopped after this long. Default 10 minutes. */
  timeoutMs?: number;
  /** Container memory limit, e.g. "1g". */
  memoryLimit?: string;
  runner?: Runner;
  /** buildah storage root (runner buildah). */
  storageRoot?: string;
  registryTlsVerify?: boolean;
  /** Default `error`. */
  failOn?: FailOn;
  /** Failing samples per check. Default 5. */
  samples?: number;
  now?: Date;
  /** File named in the report (and annotations), e.g. dataops.yml. */
  configFile?: string;
  /** 1-based line of the container settings and of each comparison in `configFile`. */
  lines?: { run?: number | undefined; compare?: Array<number | undefined> };
  /** Where the container's complete stdout/stderr are written (`stdout.log`, `stderr.log`). Default `<outputDir>-logs`. */
  logDir?: string;
  /** Aborting (SIGINT/SIGTERM in the CLI) stops and removes the container; the report then says "interrupted". */
  signal?: AbortSignal;
  /** Engine settings of the golden comparisons and output suites (temp directory, runtime, trace). */
  engine?: EngineOptions;
  /** Directory output suites' own dataset files must lie in (on a runner the workspace); see runSuite. */
  root?: string | undefined;
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Last `n` non-empty lines of `text`, each cut to its last `chars` characters: a bounded tail whatever the container wrote. */
export function tail(text: string, n = STDERR_TAIL_LINES, chars = STDERR_LINE_CHARS): string[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .slice(-n)
    .map((l) => (l.length > chars ? `…[${l.length - chars} characters cut]${l.slice(-chars)}` : l));
}

/** Why a container ended with `exitCode`, from what the runner observed (the cgroup's OOM kill counter, not the code alone). */
export function killDiagnosis(exitCode: number, oomKilled: boolean | undefined, memoryLimit: string | undefined): string {
  if (oomKilled) return ` (killed by the kernel OOM killer: over the memory limit of ${memoryLimit ?? 'the machine'}; the memory cgroup counted an oom_kill)`;
  if (exitCode !== 137) return '';
  if (oomKilled === false) return ' (killed by SIGKILL, not for memory: the memory cgroup counted no oom_kill)';
  return ' (killed by SIGKILL; whether it ran out of memory is unknown: no memory cgroup could be read)';
}

const REF_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/**
 * buildah names an image pulled from `oci:<path>` after the path, and refuses paths that are not
 * valid reference names (e.g. `.cache/…`, `.dataops/…`, upper case). Such a layout is reached
 * through a symlink with a valid name under /tmp instead.
 * @returns the directory to use and a cleanup.
 */
export async function referenceSafeLayout(layoutDir: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const abs = path.resolve(layoutDir);
  if (abs.split('/').filter(Boolean).every((c) => REF_COMPONENT.test(c))) return { dir: abs, cleanup: () => Promise.resolve() };
  const base = existsSync('/tmp') ? '/tmp' : os.tmpdir();
  const link = path.join(base, `dataops-layout-${randomBytes(6).toString('hex')}`);
  await symlink(abs, link, 'dir');
  return { dir: link, cleanup: () => rm(link, { force: true }) };
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

/** The fields of the `container_run` check that do not depend on how the run ended. */
function containerBase(opts: SystemTestOptions): Pick<CheckResult, 'id' | 'type' | 'dataset' | 'columns' | 'severity' | 'line'> {
  const line = opts.lines?.run;
  return { id: 'container_run', type: 'container_run', dataset: 'container', columns: [], severity: 'error', ...(line ? { line } : {}) };
}

/** The `container_run` check of a container that ran (see the module doc). */
function containerRunCheck(opts: SystemTestOptions, result: RunImageResult, run: { timeoutMs: number; logDir: string }): CheckResult {
  const stderrTail = tail(result.stderr);
  const ok = result.exitCode === 0 && !result.timedOut && !result.interrupted;
  const [stdoutLog, stderrLog] = [path.join(run.logDir, 'stdout.log'), path.join(run.logDir, 'stderr.log')];
  const logs = `full output: ${stdoutLog}, ${stderrLog}`;
  const facts = `in ${seconds(result.durationMs)}${result.peakMemoryBytes ? `, peak memory ${mib(result.peakMemoryBytes)}` : ''}`;
  const last = stderrTail.slice(-5).join('\n');
  return {
    ...containerBase(opts),
    description: `${opts.image} on ${path.basename(path.resolve(opts.fixturesDir))}/`,
    status: ok ? 'pass' : 'fail',
    failing_rows: ok ? 0 : 1,
    total_rows: 1,
    threshold: { timeout_ms: run.timeoutMs, ...(opts.memoryLimit ? { memory_limit: opts.memoryLimit } : {}) },
    samples: ok ? [] : [{ exit_code: result.exitCode, timed_out: result.timedOut, ...(result.interrupted ? { interrupted: result.interrupted } : {}), ...(result.oomKilled !== undefined ? { oom_killed: result.oomKilled } : {}), duration_ms: Math.round(result.durationMs), stderr_tail: stderrTail.join('\n'), stdout_log: stdoutLog, stderr_log: stderrLog }],
    message: result.interrupted
      ? `interrupted by ${result.interrupted}: the container was stopped and removed; outputs not checked (${logs})`
      : result.timedOut
        ? `timed out after ${seconds(run.timeoutMs)} and was stopped; outputs not checked (${logs})${last ? `. stderr:\n${last}` : ''}`
        : result.exitCode !== 0
          ? `exited with code ${result.exitCode}${killDiagnosis(result.exitCode, result.oomKilled, opts.memoryLimit)} ${facts}; outputs not checked (${logs})${last ? `. stderr:\n${last}` : ''}`
          : `exited 0 ${facts}`,
    duration_ms: result.durationMs,
  };
}

/**
 * Runs the system test and returns its report. Never throws for a failing container or bad
 * outputs (they are failing checks).
 * @throws ConfigError for a tag-only image, missing fixtures/expected files, a non-empty output
 *   directory, an invalid comparison or an invalid suite.
 */
export async function runSystemTest(opts: SystemTestOptions): Promise<Report> {
  const startedAt = new Date();
  const t0 = performance.now();
  requireDigestRef(opts.image, 'image');
  const failOn = opts.failOn ?? 'error';
  const samples = opts.samples ?? 5;
  const timeoutMs = opts.timeoutMs ?? 10 * 60_000;

  // configuration problems surface before the (slow) container run
  const comparisons = parseComparisons(opts.comparisons, (i) => ({ file: opts.configFile, line: opts.lines?.compare?.[i], field: `compare[${i}]` }));
  if (!(await isDir(opts.fixturesDir))) {
    throw new ConfigError(`fixtures directory ${opts.fixturesDir} not found`, { location: { file: opts.configFile, field: 'fixtures' }, fix: 'Create it with a slice of real input data, or point "fixtures" at it.' });
  }
  for (const [i, c] of comparisons.entries()) {
    const expected = path.resolve(opts.expectedDir, c.expected ?? c.output);
    const location = { file: opts.configFile, line: opts.lines?.compare?.[i], field: `compare[${i}].${c.expected === undefined ? 'output' : 'expected'}` };
    // the comparison (from dataops.yml) stays inside the expected directory, wherever that is
    confinePath(expected, { base: opts.expectedDir, roots: [opts.expectedDir], within: 'the expected directory', location, fix: 'Name the expected file relative to the expected directory, without "../" or a link leading out.' });
    try {
      await stat(expected);
    } catch {
      throw new ConfigError(`expected file ${expected} not found`, { location, fix: 'Commit the expected output (run the pipeline on the fixtures and review the result) or fix the path.' });
    }
  }
  // a malformed suite is reported now, not after the container ran
  for (const suiteFile of opts.suites ?? []) await loadSuite(suiteFile);
  await mkdir(opts.outputDir, { recursive: true });
  const leftovers = await readdir(opts.outputDir);
  if (leftovers.length) {
    throw new ConfigError(`output directory ${opts.outputDir} is not empty (${leftovers.slice(0, 3).join(', ')}${leftovers.length > 3 ? ', …' : ''})`, { location: { field: 'output-dir' }, fix: 'Use a new or empty directory: stale outputs could pass the comparison.' });
  }

  const checks: CheckResult[] = [];
  const datasets: DatasetReport[] = [];
  const errors: string[] = [];

  // 1. the container
  const runStarted = performance.now();
  const logDir = path.resolve(opts.logDir ?? `${path.resolve(opts.outputDir)}-logs`);
  let interrupted: string | undefined;
  let ran = false;
  let engine = 'duckdb';
  const layout = opts.layoutDir ? await referenceSafeLayout(opts.layoutDir) : undefined;
  try {
    const result = await runImage({
      image: opts.image.trim(),
      ...(layout ? { layoutDir: layout.dir } : {}),
      ...(opts.registryTlsVerify !== undefined ? { registryTlsVerify: opts.registryTlsVerify } : {}),
      inputDir: path.resolve(opts.fixturesDir),
      outputDir: path.resolve(opts.outputDir),
      env: opts.env ?? {},
      args: opts.args ?? [],
      timeoutMs,
      ...(opts.memoryLimit ? { memoryLimit: opts.memoryLimit } : {}),
      runner: opts.runner ?? 'auto',
      ...(opts.storageRoot ? { storageRoot: opts.storageRoot } : {}),
      logDir,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    interrupted = result.interrupted;
    ran = result.exitCode === 0 && !result.timedOut && !result.interrupted;
    checks.push(containerRunCheck(opts, result, { timeoutMs, logDir }));
  } catch (err) {
    if (isConfigError(err)) throw err;
    const message = err instanceof Error ? err.message : String(err);
    checks.push({
      ...containerBase(opts),
      status: 'error',
      failing_rows: null,
      total_rows: null,
      threshold: { timeout_ms: timeoutMs },
      samples: [],
      message: `the container could not be started: ${message}`,
      error: message,
      duration_ms: performance.now() - runStarted,
    });
    errors.push(`container_run: ${message}`);
  } finally {
    await layout?.cleanup();
  }

  if (interrupted) errors.push(`interrupted by ${interrupted}: the system test did not finish`);
  if (ran && !opts.signal?.aborted) {
    // 2. golden comparisons
    const golden = await compareGolden({ outputDir: opts.outputDir, expectedDir: opts.expectedDir, comparisons, samples, ...(opts.engine ? { engineOptions: opts.engine } : {}) });
    if (golden.engine) engine = golden.engine;
    const lineOfDataset = new Map(comparisons.map((c, i) => [comparisonName(c), opts.lines?.compare?.[i]]));
    for (const c of golden.checks) {
      const line = lineOfDataset.get(c.dataset);
      checks.push(line ? { ...c, line } : c);
    }
    datasets.push(...golden.datasets);
    // 3. output suites: outputs are datasets by name, pointing into the output directory
    await runOutputSuites(opts, comparisons, { checks, datasets, errors });
  }

  return buildReport({
    engine,
    suite: {
      name: SYSTEM_TEST_SUITE,
      file: opts.configFile ?? '',
      sha256: sha256(JSON.stringify({ image: opts.image, comparisons, suites: opts.suites ?? [], env: opts.env ?? {}, args: opts.args ?? [] })),
      description: `${opts.image} run on ${opts.fixturesDir}, outputs compared with ${opts.expectedDir}`,
    },
    fail_on: failOn,
    started_at: startedAt.toISOString(),
    duration_ms: performance.now() - t0,
    datasets,
    checks,
    errors,
  });
}

/**
 * The quality suites of the system test, run on its outputs: each compared output is a dataset by
 * its name (read as its comparison reads it), `outputs` add more; their checks join the report
 * with ids prefixed by the suite name. A missing output is the image's fault, recorded in `errors`.
 * @throws ConfigError for any other configuration problem of a suite.
 */
async function runOutputSuites(opts: SystemTestOptions, comparisons: GoldenComparison[], into: { checks: CheckResult[]; datasets: DatasetReport[]; errors: string[] }): Promise<void> {
  const outputDatasets: Record<string, DatasetSpec> = {};
  for (const c of comparisons) outputDatasets[comparisonName(c)] = comparisonDataset(c, opts.outputDir);
  for (const [name, p] of Object.entries(opts.outputs ?? {})) outputDatasets[name] = { path: path.resolve(opts.outputDir, p) };
  for (const suiteFile of opts.suites ?? []) {
    let report: Report;
    try {
      // the outputs live in the output directory, which the system test (not the suite) chose
      report = await runSuite({
        ...opts.engine,
        suiteFile,
        projectDatasets: { ...opts.projectDatasets, ...outputDatasets },
        projectDir: opts.projectDir ?? path.dirname(suiteFile),
        root: opts.root,
        allowedRoots: [path.resolve(opts.outputDir)],
        samples: opts.samples ?? 5,
        failOn: opts.failOn ?? 'error',
        now: opts.now,
      });
    } catch (err) {
      // a missing output file is the image's fault, not a configuration error: record it
      if (!isConfigError(err) || !/matches no file|is empty/.test(err.message)) throw err;
      into.errors.push(`${path.basename(suiteFile)}: ${err.message}`);
      continue;
    }
    for (const c of report.checks) {
      const { line: _line, ...rest } = c;
      into.checks.push({ ...rest, id: `${report.suite.name}.${c.id}`, description: [c.description, `suite ${report.suite.file}${c.line ? `:${c.line}` : ''}`].filter(Boolean).join(' · ') });
    }
    for (const d of report.datasets) if (!into.datasets.some((x) => x.name === d.name && x.source === d.source)) into.datasets.push(d);
    for (const e of report.errors) into.errors.push(`${report.suite.name}: ${e}`);
  }
}
