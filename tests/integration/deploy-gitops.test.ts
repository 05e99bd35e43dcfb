/**
 * GitOps deploys with real git: a bare remote created from the example's kustomize template, clones
 * in temp dirs, kustomize rendering with kubectl, races, manual rollbacks and history rollbacks.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { createGitOpsRepository } from '../../src/core/deploy/bootstrap.ts';
import { deployConfigSchema, type DeployConfig } from '../../src/core/deploy/config.ts';
import { deploy, deployHistory } from '../../src/core/deploy/deploy.ts';
import { LocalDeploymentLog } from '../../src/core/deploy/deployments.ts';
import { DeployConflictError } from '../../src/core/deploy/gitops.ts';
import { parseTrailers } from '../../src/core/deploy/history.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-server.ts';

const TEMPLATE = path.resolve(import.meta.dirname, '../../templates/example-pipeline/deploy');
const REPO = '127.0.0.1:5000/flights-routes';
const D = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const img = (n: number) => `${REPO}@${D(n)}`;

let tmp: string;
let bare: string;
let config: DeployConfig;

const sh = (args: string[], cwd?: string) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'Ops Human', GIT_AUTHOR_EMAIL: 'ops@example.com', GIT_COMMITTER_NAME: 'Ops Human', GIT_COMMITTER_EMAIL: 'ops@example.com' } }).trim();
const overlayAtHead = () => sh(['--git-dir', bare, 'show', 'main:overlays/staging/kustomization.yaml']);
const headMessage = () => sh(['--git-dir', bare, 'log', '-1', '--format=%B', 'main']);

function makeConfig(extra: Record<string, unknown> = {}): DeployConfig {
  return deployConfigSchema.parse({
    environments: {
      staging: { target: 'gitops', environment_url: 'https://staging.example.com', gitops: { repository: bare, overlay: 'overlays/staging', ...extra } },
      production: { gitops: { repository: bare, overlay: 'overlays/production' } },
    },
  });
}

const run = (n: number, more: Partial<Parameters<typeof deploy>[0]> = {}) =>
  deploy({ environment: 'staging', image: img(n), config, baseDir: tmp, name: 'flights-routes', source: { sha: 'a'.repeat(40), runUrl: 'https://ci.example/run/1' }, ...more });

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'deploy-gitops-'));
  bare = path.join(tmp, 'gitops.git');
  await createGitOpsRepository(bare, TEMPLATE);
  config = makeConfig();
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A human edits the staging overlay in a clone and pushes. */
async function humanCommit(edit: (text: string) => string, message: string, file = 'overlays/staging/kustomization.yaml') {
  const clone = path.join(tmp, `human-${Date.now()}`);
  sh(['clone', '--quiet', bare, clone]);
  const f = path.join(clone, file);
  await writeFile(f, edit(await readFile(f, 'utf8').catch(() => '')));
  sh(['add', '--all'], clone);
  sh(['commit', '--quiet', '-m', message], clone);
  sh(['push', '--quiet', 'origin', 'HEAD:main'], clone);
  await rm(clone, { recursive: true, force: true });
}

describe('gitops deploy', () => {
  it('pins the digest in the overlay, keeps comments, renders with kubectl and commits with trailers', async () => {
    const r = await run(1);
    expect(r).toMatchObject({ environment: 'staging', target: 'gitops', image: img(1), digest: D(1), previousDigest: undefined, unchanged: false, environmentUrl: 'https://staging.example.com' });
    const overlay = overlayAtHead();
    expect(overlay).toContain(`digest: ${D(1)}`);
    expect(overlay).toContain(`newName: ${REPO}`);
    expect(overlay).toContain('# Pinned by `dataops deploy --environment staging`');
    expect(r.commitSha).toBe(sh(['--git-dir', bare, 'rev-parse', 'main']));
    const trailers = parseTrailers(headMessage());
    expect(trailers).toMatchObject({ 'Dataops-Digest': D(1), 'Dataops-Previous-Digest': 'none', 'Dataops-Source-Sha': 'a'.repeat(40), 'Dataops-Run-Url': 'https://ci.example/run/1', 'Dataops-Environment': 'staging', 'Dataops-Image': img(1) });
    expect(r.notes).toContain('overlay rendered with kubectl kustomize');
    // the rendered overlay runs the image by digest
    const clone = path.join(tmp, 'check');
    sh(['clone', '--quiet', bare, clone]);
    const rendered = execFileSync('kubectl', ['kustomize', path.join(clone, 'overlays/staging')], { encoding: 'utf8' });
    expect(rendered).toContain(`image: ${img(1)}`);
    expect(rendered).toContain('namespace: flights-staging');
  });

  it('states the replaced digest, and does nothing when the digest is already deployed', async () => {
    await run(1);
    const r2 = await run(2);
    expect(r2.previousDigest).toBe(D(1));
    expect(parseTrailers(headMessage())['Dataops-Previous-Digest']).toBe(D(1));
    const again = await run(2);
    expect(again.unchanged).toBe(true);
    expect(again.commitSha).toBe(r2.commitSha);
  });

  it('refuses a tag-only reference before touching the repository', async () => {
    const before = sh(['--git-dir', bare, 'rev-parse', 'main']);
    await expect(deploy({ environment: 'staging', image: `${REPO}:latest`, config, baseDir: tmp, name: 'flights-routes', source: { sha: 'a'.repeat(40) } })).rejects.toThrow(/has no digest/);
    await expect(deploy({ environment: 'staging', image: `${REPO}:latest`, config, baseDir: tmp, name: 'flights-routes', source: { sha: 'a'.repeat(40) } })).rejects.toBeInstanceOf(ConfigError);
    expect(sh(['--git-dir', bare, 'rev-parse', 'main'])).toBe(before);
  });

  it('two deploys racing from the same state: exactly one wins, the other fails clearly', async () => {
    await run(1);
    const results = await Promise.allSettled([run(2, { expectedCurrent: D(1) }), run(3, { expectedCurrent: D(1) })]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(DeployConflictError);
    expect(String(lost[0]!.reason.message)).toMatch(/lost a deploy race|expected to replace sha256:111111111111/);
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof run>>>).value;
    expect(overlayAtHead()).toContain(`digest: ${winner.digest}`);
  });

  it('a push that lost the race re-checks the expectation and names the winning commit', async () => {
    await run(1);
    let other: Awaited<ReturnType<typeof run>> | undefined;
    const err = await run(2, { seams: { beforePush: async () => void (other ??= await run(3)) } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployConflictError);
    expect((err as Error).message).toMatch(/lost a deploy race on staging: while this deploy replaced sha256:111111111111 with sha256:222222222222, commit [0-9a-f]{12} \("deploy\(staging\): flights-routes@sha256:333333333333"\) set sha256:333333333333; nothing was pushed/);
    expect(other?.digest).toBe(D(3));
    expect(overlayAtHead()).toContain(`digest: ${D(3)}`);
  });

  it('rebases over an unrelated commit that arrived during the deploy', async () => {
    await run(1);
    let done = false;
    const r = await run(2, {
      seams: {
        beforePush: async () => {
          if (done) return;
          done = true;
          await humanCommit(() => 'notes\n', 'docs: unrelated change', 'NOTES.md');
        },
      },
    });
    expect(r.unchanged).toBe(false);
    expect(overlayAtHead()).toContain(`digest: ${D(2)}`);
    expect(sh(['--git-dir', bare, 'log', '--format=%s', 'main'])).toMatch(/^deploy\(staging\): flights-routes@sha256:222222222222\ndocs: unrelated change/);
  });

  it('never overwrites a manual rollback without --force', async () => {
    await run(1);
    await run(2);
    await humanCommit((t) => t.replace(D(2), D(1)), 'Roll staging back to 1: 2 corrupts routes');
    const err = await run(3).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployConflictError);
    expect((err as Error).message).toMatch(/pins sha256:111111111111 by a manual commit [0-9a-f]{12} \(Ops Human <ops@example.com>: "Roll staging back to 1: 2 corrupts routes"\), but this deploy expected to replace sha256:222222222222/);
    expect(overlayAtHead()).toContain(`digest: ${D(1)}`);
    const forced = await run(3, { force: true });
    expect(forced.previousDigest).toBe(D(1));
    expect(overlayAtHead()).toContain(`digest: ${D(3)}`);
  });

  it('an explicit expectation that does not hold is refused', async () => {
    await run(1);
    await expect(run(2, { expectedCurrent: D(5) })).rejects.toThrow(/pins sha256:111111111111, but this deploy expected to replace sha256:555555555555/);
    await expect(run(2, { expectedCurrent: 'none' })).rejects.toBeInstanceOf(DeployConflictError);
  });

  it('--rollback re-deploys the previous digest from the recorded history', async () => {
    await run(1);
    await run(2);
    await run(3);
    const back = await deploy({ environment: 'staging', rollback: true, config, baseDir: tmp, name: 'flights-routes', source: { sha: 'b'.repeat(40) } });
    expect(back).toMatchObject({ digest: D(2), previousDigest: D(3), rollback: true, image: img(2) });
    const trailers = parseTrailers(headMessage());
    expect(trailers['Dataops-Rollback-From']).toBe(D(3));
    expect(headMessage()).toMatch(/^rollback\(staging\)/);
    // a second rollback skips the digest rolled back from and goes one further
    const again = await deploy({ environment: 'staging', rollback: true, config, baseDir: tmp, name: 'flights-routes', source: { sha: 'b'.repeat(40) } });
    expect(again.digest).toBe(D(1));
    const { history, current } = await deployHistory({ environment: 'staging', config, baseDir: tmp, name: 'flights-routes' });
    expect(current).toBe(D(1));
    expect(history.filter((h) => h.automated).map((h) => h.digest)).toEqual([D(1), D(2), D(3), D(2), D(1)]);
  });

  it('--rollback without history fails with the fix', async () => {
    await run(1);
    await expect(deploy({ environment: 'staging', rollback: true, config, baseDir: tmp, name: 'flights-routes', source: { sha: 'b'.repeat(40) } })).rejects.toThrow(/no earlier digest to roll staging back to/);
  });

  it('records the deployment in the local log: in_progress then success, failure on a conflict', async () => {
    const recorder = new LocalDeploymentLog(path.join(tmp, 'deployments.json'));
    const evidence = [
      { name: 'quality', status: 'pass' },
      { name: 'system-test', status: 'pass' },
    ];
    const r = await run(1, { recorder, evidence });
    expect(r.recordedIn).toBe('local');
    const log = JSON.parse(await readFile(recorder.file, 'utf8')) as { deployments: Array<{ id: number; description: string; payload: { digest: string; evidence: unknown[] }; statuses: Array<{ state: string; environment_url?: string }> }> };
    expect(log.deployments[0]!.statuses.map((s) => s.state)).toEqual(['success', 'in_progress']);
    expect(log.deployments[0]!.statuses[0]!.environment_url).toBe('https://staging.example.com');
    expect(log.deployments[0]!.description).toBe('flights-routes@sha256:111111111111 · quality ✓ system-test ✓');
    expect(log.deployments[0]!.payload).toMatchObject({ digest: D(1), evidence });
    await humanCommit((t) => t.replace(D(1), D(9)), 'manual pin');
    await expect(run(2, { recorder })).rejects.toBeInstanceOf(DeployConflictError);
    const list = await recorder.list('staging');
    expect(list[0]).toMatchObject({ state: 'failure' });
  });

  it('writes a Helm values key path instead of a kustomize entry', async () => {
    await humanCommit(() => '# values of staging\nimage:\n  repository: old/repo # set by dataops\n  digest: ""\nreplicas: 1\n', 'helm values', 'overlays/staging/values-staging.yaml');
    config = makeConfig({ helm: { values_file: 'values-staging.yaml', digest_key: 'image.digest', repository_key: 'image.repository' } });
    const r = await run(4);
    expect(r.notes.join()).toMatch(/not rendered/);
    const values = sh(['--git-dir', bare, 'show', 'main:overlays/staging/values-staging.yaml']);
    expect(values).toBe(`# values of staging\nimage:\n  repository: ${REPO} # set by dataops\n  digest: "${D(4)}"\nreplicas: 1`);
  });

  it('fails clearly when the rendered overlay does not use the image', async () => {
    config = makeConfig({ image_name: 'not-in-manifests' });
    await expect(run(1)).rejects.toThrow(/does not reference sha256:111111111111: no manifest uses the image name "not-in-manifests"/);
  });

  describe('pull-request mode', () => {
    let gh: FakeGitHub;
    beforeEach(async () => {
      gh = await startFakeGitHub();
    });
    afterEach(async () => {
      await gh.close();
    });

    it('pushes a branch and opens a pull request instead of committing to main', async () => {
      config = makeConfig({ mode: 'pull-request', pull_request: { repository: 'octo/gitops' } });
      const main = sh(['--git-dir', bare, 'rev-parse', 'main']);
      const github = { api: gh.api(), owner: 'octo', repo: 'pipeline' };
      const r = await run(7, { github });
      expect(r.pullRequestUrl).toBe('https://github.com/octo/gitops/pull/1');
      expect(sh(['--git-dir', bare, 'rev-parse', 'main'])).toBe(main);
      expect(sh(['--git-dir', bare, 'show', `dataops/staging-${'7'.repeat(12)}:overlays/staging/kustomization.yaml`])).toContain(`digest: ${D(7)}`);
      expect(gh.pulls[0]).toMatchObject({ repo: 'octo/gitops', head: `dataops/staging-${'7'.repeat(12)}`, base: 'main', title: `deploy(staging): flights-routes@sha256:${'7'.repeat(12)}` });
      expect(gh.pulls[0]!.body).toContain(`Dataops-Digest: ${D(7)}`);
      // the deployment was recorded on GitHub too
      const statuses = gh.deployments[0]!.statuses.map((s) => s.state).reverse();
      expect(statuses).toEqual(['in_progress', 'success']);
    });
  });
});
