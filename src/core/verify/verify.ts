/**
 * Staging verification of a deployed digest: smoke checks (HTTP probe, job run of the image on the
 * fixtures) and the performance budget on N× the fixtures, reported as a report of the quality
 * family (suite `verify-<environment>`, checks smoke_http, smoke_job, performance_run,
 * budget_duration, budget_rows_per_second, budget_peak_memory, regression_duration). A passing run
 * becomes the environment's new baseline.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { EngineOptions } from '../engine/duckdb.ts';
import { sha256 } from '../hash.ts';
import { requireDigestRef } from '../image/ref.ts';
import type { RunImageOptions } from '../image/run.ts';
import type { VerifyConfig } from '../deploy/config.ts';
import { buildReport, writeReport, type CheckResult, type CheckStatus, type DatasetReport, type Report } from '../report/report.ts';
import { FileBaselineStore, type BaselineStore } from './baseline.ts';
import { buildScaledInput, evaluateBudgets, metricsOf, type Baseline, type PerformanceMetrics } from './performance.ts';
import { probeHttp, smokeJob, type ImageRunner } from './smoke.ts';

/** A verification request. */
export interface VerifyRequest {
  environment: string;
  /** `name@sha256:…` deployed to the environment. */
  image: string;
  config: VerifyConfig;
  /** Directory relative paths resolve from (the project directory). */
  baseDir: string;
  /** Container runner (default: runImage of src/core/image/run.ts, loaded lazily). */
  run?: ImageRunner | undefined;
  /** Runner options: `layoutDir`, `registryTlsVerify: false` for a loopback registry, `runner`, `storageRoot`. */
  runOptions?: Partial<RunImageOptions> | undefined;
  /** Default: a FileBaselineStore under `config.baseline_dir`. */
  baselines?: BaselineStore | undefined;
  /** Commit of the source (baseline records). */
  sourceSha?: string | undefined;
  /** Where the JSON report is written. */
  reportPath: string;
  /** Save a passing run as the new baseline (default true). */
  updateBaseline?: boolean | undefined;
  now?: Date | undefined;
  log?: ((m: string) => void) | undefined;
  /** Retry base of the HTTP probe in ms (tests make it short). */
  probeBaseMs?: number | undefined;
  /** Engine settings of the input scaling (temp directory, runtime, trace). */
  engine?: EngineOptions | undefined;
}

/** Outcome of a verification. */
export interface VerifyResult {
  status: CheckStatus;
  report: Report;
  reportPath: string;
  sha256: string;
  metrics?: PerformanceMetrics | undefined;
  baseline?: Baseline | undefined;
  baselineUpdated: boolean;
}

/** The check of a verification with nothing configured: a warning, not a pass. */
function nothingToVerify(): CheckResult {
  return { id: 'nothing_to_verify', type: 'nothing_to_verify', dataset: 'deploy.verify', columns: [], severity: 'warn', status: 'warn', failing_rows: null, total_rows: null, threshold: {}, samples: [], message: 'nothing to verify: configure deploy.verify.smoke and/or deploy.verify.performance', duration_ms: 0 };
}

async function defaultRunner(): Promise<ImageRunner> {
  const { runImage } = await import('../image/run.ts');
  return runImage;
}

/**
 * Runs the configured smoke checks and performance budget against `image`.
 * @throws ConfigError for a tag-only image; never for a failed check (see `status`).
 */
export async function verify(req: VerifyRequest): Promise<VerifyResult> {
  const ref = requireDigestRef(req.image);
  const started = performance.now();
  const startedAt = (req.now ?? new Date()).toISOString();
  const log = req.log ?? (() => undefined);
  const checks: CheckResult[] = [];
  const datasets: DatasetReport[] = [];
  const cfg = req.config;
  const needsRunner = Boolean(cfg.smoke.job || cfg.performance);
  const run = needsRunner ? (req.run ?? (await defaultRunner())) : undefined;

  if (cfg.smoke.http) {
    log(`smoke: GET ${cfg.smoke.http.url}`);
    checks.push(await probeHttp(cfg.smoke.http, req.probeBaseMs !== undefined ? { baseMs: req.probeBaseMs } : {}));
  }
  if (cfg.smoke.job && run) {
    const input = path.resolve(req.baseDir, cfg.smoke.job.input);
    log(`smoke: running ${req.image} on ${path.relative(req.baseDir, input) || input}`);
    checks.push(await smokeJob({ run, image: req.image, inputDir: input, expectOutputs: cfg.smoke.job.expect_outputs, timeoutSeconds: cfg.smoke.job.timeout_seconds, runOptions: req.runOptions, log }));
  }

  let metrics: PerformanceMetrics | undefined;
  let baseline: Baseline | undefined;
  const store = req.baselines ?? new FileBaselineStore(path.resolve(req.baseDir, cfg.baseline_dir));
  const perf = cfg.performance;
  if (perf && run) {
    const fixtures = path.resolve(req.baseDir, perf.input);
    // the engine's temp directory (the flow's <work-dir>/tmp) may not exist yet when verify runs first
    const tmpBase = req.engine?.tempDirectory ?? os.tmpdir();
    await mkdir(tmpBase, { recursive: true });
    const tmp = await mkdtemp(path.join(tmpBase, 'dataops-perf-'));
    try {
      const inDir = path.join(tmp, 'in');
      const scaled = await buildScaledInput(fixtures, inDir, perf.scale_factor, perf.scale_files, req.engine);
      log(`performance: ${perf.scale_factor}× fixtures = ${scaled.rows} input rows (scaled ${scaled.scaled.join(', ') || 'nothing'})`);
      datasets.push({ name: 'performance', kind: 'file', source: perf.input, files: [...scaled.scaled, ...scaled.copied], row_count: scaled.rows, content_hash: null });
      const r = await run({ ...req.runOptions, image: req.image, inputDir: inDir, outputDir: path.join(tmp, 'out'), timeoutMs: perf.timeout_seconds * 1000, ...(perf.memory_limit ? { memoryLimit: perf.memory_limit } : {}) });
      if (r.exitCode !== 0 || r.timedOut) {
        const tail = r.stderr.trim().split('\n').slice(-3).join(' | ');
        checks.push({
          id: 'performance_run',
          type: 'performance_run',
          dataset: 'performance',
          columns: [],
          severity: 'error',
          status: 'fail',
          failing_rows: 1,
          total_rows: 1,
          threshold: { scale_factor: perf.scale_factor },
          samples: [],
          message: r.timedOut ? `the run on ${perf.scale_factor}× input did not finish within ${perf.timeout_seconds} s` : `the run on ${perf.scale_factor}× input exited with ${r.exitCode}${tail ? `: ${tail}` : ''}`,
          duration_ms: Math.round(r.durationMs),
        });
      } else {
        metrics = metricsOf(r.durationMs, scaled.rows, perf.scale_factor, r.peakMemoryBytes);
        baseline = await store.load(req.environment);
        log(`performance: ${metrics.duration_seconds} s, ${metrics.rows_per_second} rows/s, peak ${metrics.peak_memory_mb ?? '?'} MiB${baseline ? ` (baseline ${baseline.metrics.duration_seconds} s)` : ''}`);
        checks.push(...evaluateBudgets(metrics, perf, baseline));
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  if (checks.length === 0) checks.push(nothingToVerify());
  const report = buildReport({
    engine: 'container runner',
    suite: { name: `verify-${req.environment}`, file: 'dataops.yml#deploy.verify', sha256: sha256(JSON.stringify(cfg)), description: `Verification of ${req.image} in ${req.environment}` },
    fail_on: 'error',
    started_at: startedAt,
    duration_ms: Math.round(performance.now() - started),
    datasets,
    checks,
    errors: [],
  });
  const status = report.status;
  const text = await writeReport(report, req.reportPath);
  let baselineUpdated = false;
  if (metrics && (status === 'pass' || status === 'warn') && req.updateBaseline !== false) {
    await store.save({ environment: req.environment, digest: ref.digest, recorded_at: startedAt, metrics }, req.sourceSha ?? 'unknown');
    baselineUpdated = true;
    log(`performance: baseline of ${req.environment} updated (${store.kind})`);
  }
  return { status, report, reportPath: req.reportPath, sha256: sha256(text), metrics, baseline, baselineUpdated };
}
