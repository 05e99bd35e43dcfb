/**
 * Deployment records against the local GitHub-shaped server: the request GitHub receives, the
 * statuses in order (in_progress → success/failure), the 140-character description, rollback
 * from the records, and the command target run for real with its environment variables.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deployConfigSchema, type DeployConfig } from '../../src/core/deploy/config.ts';
import { deploy } from '../../src/core/deploy/deploy.ts';
import { DESCRIPTION_LIMIT, deploymentDescription, GitHubDeployments, truncate } from '../../src/core/deploy/deployments.ts';
import { DeployConflictError } from '../../src/core/deploy/gitops.ts';
import type { GitHubRepo } from '../../src/core/github/api.ts';
import { DeploymentBaselineStore } from '../../src/core/verify/baseline.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-server.ts';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const IMG = (c: string) => `ghcr.io/octo/flights-routes@${D(c)}`;
const SHA = '1'.repeat(40);

let gh: FakeGitHub;
let tmp: string;
let github: GitHubRepo;
let config: DeployConfig;

beforeEach(async () => {
  gh = await startFakeGitHub();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'deployments-'));
  github = { api: gh.api({ retries: 2 }), owner: 'octo', repo: 'flights' };
  config = deployConfigSchema.parse({
    environments: {
      staging: {
        target: 'command',
        environment_url: 'https://staging.flights.example',
        command: { run: 'env | grep -E ^DATAOPS_ | grep -v ^DATAOPS_REQUIRE_TOOLS= | sort > "$OUT"; test "$DATAOPS_DIGEST" != "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" || { echo "registry refused the image" >&2; exit 3; }' },
      },
    },
  });
  process.env.OUT = path.join(tmp, 'env.txt');
});
afterEach(async () => {
  delete process.env.OUT;
  await gh.close();
  await rm(tmp, { recursive: true, force: true });
});

const run = (c: string, more: Partial<Parameters<typeof deploy>[0]> = {}) =>
  deploy({ environment: 'staging', image: IMG(c), config, baseDir: tmp, name: 'flights-routes', source: { sha: SHA, repository: 'octo/flights', runUrl: 'https://github.com/octo/flights/actions/runs/9' }, github, ...more });

describe('GitHub deployment records', () => {
  it('creates the deployment with ref = sha, digest and evidence payload, then in_progress → success with URLs', async () => {
    const evidence = [
      { name: 'quality', status: 'pass', sha256: D('a') },
      { name: 'system-test', status: 'pass', url: 'https://github.com/octo/flights/actions/runs/9' },
      { name: 'verify', status: 'warn' },
    ];
    const r = await run('b', { evidence });
    expect(r).toMatchObject({ deploymentId: gh.deployments[0]!.id, recordedIn: 'github', environmentUrl: 'https://staging.flights.example', target: 'command' });
    const create = gh.requests.find((q) => q.method === 'POST' && q.path === '/repos/octo/flights/deployments')!;
    expect(create.body).toMatchObject({
      ref: SHA,
      task: 'deploy',
      auto_merge: false,
      required_contexts: [],
      environment: 'staging',
      production_environment: false,
      description: 'flights-routes@sha256:bbbbbbbbbbbb · quality ✓ system-test ✓ verify !',
      payload: { image: IMG('b'), digest: D('b'), target: 'command', evidence, source: { sha: SHA, repository: 'octo/flights', run_url: 'https://github.com/octo/flights/actions/runs/9' } },
    });
    const statuses = gh.requests.filter((q) => q.path.endsWith('/statuses') && q.method === 'POST').map((q) => q.body as Record<string, string>);
    expect(statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(statuses[0]).toMatchObject({ log_url: 'https://github.com/octo/flights/actions/runs/9' });
    expect(statuses[1]).toMatchObject({ environment_url: 'https://staging.flights.example', log_url: 'https://github.com/octo/flights/actions/runs/9', description: 'sha256:bbbbbbbbbbbb deployed' });
    // the command got the digest and environment
    expect(await readFile(process.env.OUT!, 'utf8')).toBe(
      `DATAOPS_DIGEST=${D('b')}\nDATAOPS_ENVIRONMENT=staging\nDATAOPS_IMAGE=${IMG('b')}\nDATAOPS_PREVIOUS_DIGEST=\nDATAOPS_SOURCE_SHA=${SHA}\n`,
    );
  });

  it('ends in failure with the reason when the target fails', async () => {
    await run('b');
    const err = await run('f').catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/deploy command exited with 3: registry refused the image/);
    const d = gh.deployments[1]!;
    expect(d.statuses.map((s) => s.state).reverse()).toEqual(['in_progress', 'failure']);
    expect(d.statuses[0]!.description).toMatch(/^failed: deploy command exited with 3/);
    expect(d.payload).toMatchObject({ previous_digest: D('b') });
  });

  it('keeps descriptions within GitHub’s 140 characters', async () => {
    const evidence = Array.from({ length: 30 }, (_, i) => ({ name: `suite-${i}`, status: i % 2 ? 'pass' : 'fail' }));
    await run('c', { evidence });
    const body = gh.requests.find((q) => q.method === 'POST' && q.path.endsWith('/deployments'))!.body as { description: string };
    expect(Array.from(body.description)).toHaveLength(DESCRIPTION_LIMIT);
    expect(body.description.endsWith('…')).toBe(true);
    expect(body.description.startsWith('flights-routes@sha256:cccccccccccc · suite-0 ✗ suite-1 ✓')).toBe(true);
    expect(truncate('x'.repeat(200)).length).toBe(140);
    expect(deploymentDescription(IMG('d'), [])).toBe('flights-routes@sha256:dddddddddddd');
    for (const s of gh.requests.filter((q) => q.path.endsWith('/statuses'))) expect(Array.from((s.body as { description: string }).description).length).toBeLessThanOrEqual(140);
  });

  it('rolls back to the previous digest recorded in the deployments, and passes DATAOPS_PREVIOUS_DIGEST', async () => {
    await run('a');
    await run('b');
    await run('c');
    const back = await deploy({ environment: 'staging', rollback: true, config, baseDir: tmp, name: 'flights-routes', source: { sha: SHA }, github });
    expect(back).toMatchObject({ digest: D('b'), previousDigest: D('c'), rollback: true });
    expect(await readFile(process.env.OUT!, 'utf8')).toContain(`DATAOPS_PREVIOUS_DIGEST=${D('c')}`);
    expect(gh.deployments.at(-1)!.payload).toMatchObject({ rollback: true, previous_digest: D('c'), digest: D('b') });
    expect(gh.deployments.at(-1)!.description).toMatch(/^rollback flights-routes@sha256:bbbbbbbbbbbb/);
    const again = await deploy({ environment: 'staging', rollback: true, config, baseDir: tmp, name: 'flights-routes', source: { sha: SHA }, github });
    expect(again.digest).toBe(D('a'));
  });

  it('refuses when an explicit expectation does not hold, without creating a deployment', async () => {
    await run('a');
    const n = gh.deployments.length;
    const err = await run('b', { expectedCurrent: D('e') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployConflictError);
    expect((err as Error).message).toMatch(/staging runs sha256:aaaaaaaaaaaa, but this deploy expected to replace sha256:eeeeeeeeeeee/);
    expect(gh.deployments).toHaveLength(n);
    await expect(run('b', { expectedCurrent: D('a') })).resolves.toMatchObject({ previousDigest: D('a') });
  });

  it('survives a 502 from GitHub (retried) and refuses a tag before calling GitHub', async () => {
    gh.failNext('POST /repos/octo/flights/deployments', 502);
    await expect(run('a')).resolves.toMatchObject({ recordedIn: 'github' });
    const before = gh.requests.length;
    await expect(deploy({ environment: 'staging', image: 'ghcr.io/octo/flights-routes:v1', config, baseDir: tmp, name: 'x', source: { sha: SHA }, github })).rejects.toThrow(/has no digest/);
    expect(gh.requests.length).toBe(before);
  });

  it('lists deployments newest first with their latest state; statuses ask GitHub to mark older ones inactive', async () => {
    await run('a');
    await run('b');
    const list = await new GitHubDeployments(github).list('staging');
    expect(list.map((d) => [d.payload.digest, d.state])).toEqual([
      [D('b'), 'success'],
      [D('a'), 'success'],
    ]);
    const statusBodies = gh.requests.filter((q) => q.path.endsWith('/statuses') && q.method === 'POST').map((q) => (q.body as { auto_inactive?: boolean }).auto_inactive);
    expect(statusBodies.every((v) => v === true)).toBe(true);
  });

  it('keeps the performance baseline in deployment records of <env>-perf-baseline', async () => {
    const store = new DeploymentBaselineStore(new GitHubDeployments(github));
    expect(await store.load('staging')).toBeUndefined();
    const baseline = { environment: 'staging', digest: D('a'), recorded_at: '2026-11-21T05:00:00.000Z', metrics: { duration_seconds: 3.2, input_rows: 40000, rows_per_second: 12500, peak_memory_mb: 210, scale_factor: 20 } };
    await store.save(baseline, SHA);
    expect(gh.deployments.at(-1)).toMatchObject({ environment: 'staging-perf-baseline', task: 'dataops:baseline', production_environment: false });
    expect(await store.load('staging')).toEqual(baseline);
  });
});
