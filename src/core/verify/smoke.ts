/**
 * Smoke checks of a deployed digest: an HTTP probe of the environment (expected status and body,
 * attempts with backoff and jitter) and a job run of the image on the fixtures.
 */
import { access, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunImageOptions, RunImageResult } from '../image/run.ts';
import type { CheckResult, CheckStatus } from '../report/report.ts';
import { retry } from '../retry.ts';

/** Runs an image (B1's runImage or a substitute with the same contract). */
export type ImageRunner = (opts: RunImageOptions) => Promise<RunImageResult>;

/** Settings of the HTTP probe (`deploy.verify.smoke.http`). */
export interface HttpProbe {
  url: string;
  expect_status: number;
  expect_body?: string | undefined;
  attempts: number;
  timeout_seconds: number;
}

const result = (id: string, dataset: string, status: CheckStatus, message: string, threshold: CheckResult['threshold'], durationMs: number, error?: string): CheckResult => ({
  id,
  type: id,
  dataset,
  columns: [],
  severity: 'error',
  status,
  failing_rows: status === 'pass' ? 0 : 1,
  total_rows: 1,
  threshold,
  samples: [],
  message,
  ...(error ? { error } : {}),
  duration_ms: Math.round(durationMs),
});

class ProbeMismatch extends Error {}

/** `smoke_http`: GET `url` until the status and body match or the attempts run out. */
export async function probeHttp(p: HttpProbe, opts: { baseMs?: number } = {}): Promise<CheckResult> {
  const started = performance.now();
  const bodyRe = p.expect_body ? new RegExp(p.expect_body) : undefined;
  let attempts = 0;
  try {
    const seen = await retry(
      async (attempt) => {
        attempts = attempt;
        const res = await fetch(p.url, { signal: AbortSignal.timeout(p.timeout_seconds * 1000), redirect: 'follow' });
        const body = await res.text();
        if (res.status !== p.expect_status) throw new ProbeMismatch(`status ${res.status}, expected ${p.expect_status}`);
        if (bodyRe && !bodyRe.test(body)) throw new ProbeMismatch(`body does not match /${p.expect_body}/ (got "${body.slice(0, 120)}")`);
        return res.status;
      },
      () => true,
      { attempts: p.attempts, baseMs: opts.baseMs ?? 500, maxDelayMs: 5000, budgetMs: p.attempts * (p.timeout_seconds * 1000 + 5000) },
    );
    return result('smoke_http', p.url, 'pass', `GET ${p.url} answered ${seen}${bodyRe ? ` with a body matching /${p.expect_body}/` : ''} (attempt ${attempts})`, { expect_status: p.expect_status, attempts: p.attempts }, performance.now() - started);
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause ?? err;
    const why = cause instanceof Error ? (cause.cause instanceof Error ? `${cause.message}: ${cause.cause.message}` : cause.message) : String(cause);
    return result('smoke_http', p.url, 'fail', `GET ${p.url} failed after ${attempts} attempt(s): ${why}`, { expect_status: p.expect_status, attempts: p.attempts }, performance.now() - started);
  }
}

/** `smoke_job`: the image runs once on the fixtures, exits 0 and writes the expected outputs. */
export async function smokeJob(opts: {
  run: ImageRunner;
  image: string;
  inputDir: string;
  expectOutputs: readonly string[];
  timeoutSeconds: number;
  runOptions?: Partial<RunImageOptions>;
  log?: (m: string) => void;
}): Promise<CheckResult> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'dataops-smoke-'));
  const started = performance.now();
  try {
    const r = await opts.run({ ...opts.runOptions, image: opts.image, inputDir: opts.inputDir, outputDir: out, timeoutMs: opts.timeoutSeconds * 1000 });
    const threshold = { expect_exit_code: 0, expect_outputs: [...opts.expectOutputs] };
    if (r.timedOut) return result('smoke_job', 'fixtures', 'fail', `the job did not finish within ${opts.timeoutSeconds} s`, threshold, r.durationMs);
    if (r.exitCode !== 0) {
      const tail = r.stderr.trim().split('\n').slice(-3).join(' | ');
      return result('smoke_job', 'fixtures', 'fail', `the job exited with ${r.exitCode}${tail ? `: ${tail}` : ''}`, threshold, r.durationMs);
    }
    const missing: string[] = [];
    for (const f of opts.expectOutputs) {
      try {
        await access(path.join(out, f));
      } catch {
        missing.push(f);
      }
    }
    if (missing.length) return result('smoke_job', 'fixtures', 'fail', `the job exited 0 but did not write ${missing.join(', ')}`, threshold, r.durationMs);
    return result('smoke_job', 'fixtures', 'pass', `the job ran on the fixtures in ${(r.durationMs / 1000).toFixed(1)} s and exited 0${opts.expectOutputs.length ? `, writing ${opts.expectOutputs.join(', ')}` : ''}`, threshold, r.durationMs);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return result('smoke_job', 'fixtures', 'error', `the job could not be started: ${msg.split('\n')[0]}`, {}, performance.now() - started, msg);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
