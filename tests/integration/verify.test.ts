/**
 * Staging verification: the HTTP probe against a local server, the performance budget on scaled
 * fixtures with the real example pipeline (run on the host, then as the real image by digest),
 * budgets passing and failing, and regressions against a stored baseline.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyConfigSchema, type VerifyConfig } from '../../src/core/deploy/config.ts';
import { execTool } from '../../src/core/exec.ts';
import { FileBaselineStore } from '../../src/core/verify/baseline.ts';
import { buildScaledInput } from '../../src/core/verify/performance.ts';
import type { ImageRunner } from '../../src/core/verify/smoke.ts';
import { verify } from '../../src/core/verify/verify.ts';
import { openEngine } from '../../src/core/engine/duckdb.ts';
import { prepareContext } from '../../src/core/image/build.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../templates/example-pipeline');
const IMAGE = `127.0.0.1:5000/flights-routes@sha256:${'c'.repeat(64)}`;

/** The example pipeline's entry point run on the host (the image's ENTRYPOINT without the container). */
const hostRunner: ImageRunner = async (o) => {
  const r = await execTool(process.execPath, [path.join(EXAMPLE, 'pipeline/main.mjs'), '--in', o.inputDir!, '--out', o.outputDir!], { timeoutMs: o.timeoutMs, cwd: EXAMPLE });
  return { exitCode: r.code, durationMs: r.durationMs, stdout: r.stdout, stderr: r.stderr, timedOut: r.timedOut };
};

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'verify-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const cfg = (raw: Record<string, unknown>): VerifyConfig => verifyConfigSchema.parse({ baseline_dir: path.join(tmp, 'baselines'), ...raw });
const byId = (r: Awaited<ReturnType<typeof verify>>, id: string) => r.report.checks.find((c) => c.id === id);

describe('HTTP smoke probe', () => {
  let server: Server;
  let url: string;
  let failFirst = 0;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      if (failFirst > 0) {
        failFirst--;
        res.writeHead(503).end('warming up');
        return;
      }
      if (req.url === '/health') res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok","digest":"sha256:cccc"}');
      else res.writeHead(404).end('not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('passes when status and body match, after retrying a warming-up service', async () => {
    failFirst = 2;
    hits = 0;
    const r = await verify({ environment: 'staging', image: IMAGE, config: cfg({ smoke: { http: { url: `${url}/health`, expect_body: '"status":"ok"', attempts: 4 } } }), baseDir: tmp, reportPath: path.join(tmp, 'r.json'), probeBaseMs: 10 });
    expect(r.status).toBe('pass');
    expect(hits).toBe(3);
    expect(byId(r, 'smoke_http')).toMatchObject({ status: 'pass', message: expect.stringContaining('(attempt 3)') });
    const written = JSON.parse(await readFile(r.reportPath, 'utf8')) as { suite: { name: string }; status: string };
    expect(written).toMatchObject({ suite: { name: 'verify-staging' }, status: 'pass' });
  });

  it('fails with the last mismatch when the status or body never match', async () => {
    hits = 0;
    const r = await verify({ environment: 'staging', image: IMAGE, config: cfg({ smoke: { http: { url: `${url}/missing`, attempts: 3 } } }), baseDir: tmp, reportPath: path.join(tmp, 'r.json'), probeBaseMs: 5 });
    expect(r.status).toBe('fail');
    expect(hits).toBe(3);
    expect(byId(r, 'smoke_http')?.message).toMatch(/failed after 3 attempt\(s\): status 404, expected 200/);
    const body = await verify({ environment: 'staging', image: IMAGE, config: cfg({ smoke: { http: { url: `${url}/health`, expect_body: 'degraded', attempts: 1 } } }), baseDir: tmp, reportPath: path.join(tmp, 'r.json') });
    expect(byId(body, 'smoke_http')?.message).toMatch(/body does not match \/degraded\//);
  });

  it('refuses a tag-only image', async () => {
    await expect(verify({ environment: 'staging', image: '127.0.0.1:5000/flights-routes:latest', config: cfg({}), baseDir: tmp, reportPath: path.join(tmp, 'r.json') })).rejects.toThrow(/has no digest/);
  });
});

describe('scaled input', () => {
  it('duplicates the rows of the fact files and copies lookup tables unchanged', async () => {
    const out = path.join(tmp, 'in');
    const r = await buildScaledInput(path.join(EXAMPLE, 'fixtures'), out, 4, ['flights*.parquet']);
    expect(r.scaled).toEqual(['flights.parquet']);
    expect(r.copied).toEqual(['airports.csv']);
    const db = await openEngine();
    try {
      const [orig] = await db.query<{ n: number }>(`SELECT count(*) AS n FROM read_parquet('${path.join(EXAMPLE, 'fixtures/flights.parquet')}')`);
      const [scaled] = await db.query<{ n: number }>(`SELECT count(*) AS n FROM read_parquet('${path.join(out, 'flights.parquet')}')`);
      const [airports] = await db.query<{ n: number }>(`SELECT count(*) AS n FROM read_csv('${path.join(out, 'airports.csv')}')`);
      expect(scaled!.n).toBe(orig!.n * 4);
      expect(r.rows).toBe(scaled!.n + airports!.n);
    } finally {
      db.close();
    }
    expect(await readFile(path.join(out, 'airports.csv'), 'utf8')).toBe(await readFile(path.join(EXAMPLE, 'fixtures/airports.csv'), 'utf8'));
  });
});

describe('performance budget (example pipeline on the host)', () => {
  // the example's own dependencies (DuckDB), installed the way a build prepares its context (shared lock with build-image)
  beforeAll(async () => {
    await prepareContext(EXAMPLE, await readFile(path.join(EXAMPLE, 'Dockerfile'), 'utf8'), 'npm');
  }, 900_000);
  const perf = (extra: Record<string, unknown> = {}) => cfg({ smoke: { job: { input: 'fixtures', expect_outputs: ['daily_routes.parquet'] } }, performance: { input: 'fixtures', scale_factor: 3, scale_files: ['flights*.parquet'], ...extra } });
  const req = (config: VerifyConfig) => ({ environment: 'staging', image: IMAGE, config, baseDir: EXAMPLE, run: hostRunner, reportPath: path.join(tmp, 'verify.json'), sourceSha: 'a'.repeat(40) });

  it('passes generous budgets, records the baseline, then fails a regression against it', async () => {
    const first = await verify(req(perf({ max_duration_seconds: 600, min_rows_per_second: 1, max_peak_memory_mb: 4096 })));
    expect(first.status).toBe('warn'); // peak memory is not measurable by the host runner
    expect(byId(first, 'smoke_job')).toMatchObject({ status: 'pass' });
    expect(byId(first, 'budget_duration')).toMatchObject({ status: 'pass' });
    expect(byId(first, 'budget_rows_per_second')).toMatchObject({ status: 'pass' });
    expect(byId(first, 'budget_peak_memory')).toMatchObject({ status: 'warn' });
    expect(byId(first, 'regression_duration')?.message).toMatch(/no baseline yet/);
    expect(first.metrics!.input_rows).toBeGreaterThan(0);
    expect(first.baselineUpdated).toBe(true);
    const store = new FileBaselineStore(path.join(tmp, 'baselines'));
    const saved = await store.load('staging');
    expect(saved).toMatchObject({ environment: 'staging', digest: `sha256:${'c'.repeat(64)}`, metrics: first.metrics });

    // a baseline 1000× faster per row than any real run: the next run is a regression
    await store.save({ ...saved!, digest: `sha256:${'b'.repeat(64)}`, metrics: { ...saved!.metrics, duration_seconds: saved!.metrics.duration_seconds / 1000 } });
    const second = await verify(req(perf({ regression_threshold_percent: 50 })));
    expect(second.status).toBe('fail');
    expect(byId(second, 'regression_duration')).toMatchObject({ status: 'fail', threshold: { regression_threshold_percent: 50, baseline_digest: `sha256:${'b'.repeat(64)}` } });
    expect(byId(second, 'regression_duration')?.message).toMatch(/% slower per input row than the baseline \(sha256:bbbbbbbbbbbb/);
    expect(second.baselineUpdated).toBe(false);
    expect((await store.load('staging'))!.digest).toBe(`sha256:${'b'.repeat(64)}`);
  });

  it('fails budgets the run cannot meet', async () => {
    const r = await verify(req(perf({ max_duration_seconds: 0.001, min_rows_per_second: 1e12 })));
    expect(r.status).toBe('fail');
    expect(byId(r, 'budget_duration')).toMatchObject({ status: 'fail', message: expect.stringMatching(/run took [\d.]+ s \(budget 0\.00 s\)/) });
    expect(byId(r, 'budget_rows_per_second')?.status).toBe('fail');
    expect(r.baselineUpdated).toBe(false);
  });

  it('reports a failing run of the job', async () => {
    const broken = path.join(tmp, 'broken');
    await import('node:fs/promises').then((fs) => fs.mkdir(broken));
    await writeFile(path.join(broken, 'airports.csv'), 'iata,name\n');
    const r = await verify({ ...req(cfg({ smoke: { job: { input: broken } }, performance: { input: broken, scale_factor: 2 } })) });
    expect(r.status).toBe('fail');
    expect(byId(r, 'smoke_job')?.message).toMatch(/exited with 2.*no flights\*\.parquet/);
    expect(byId(r, 'performance_run')?.message).toMatch(/exited with 2/);
  });
});
