/**
 * Fault injection: a loopback proxy in front of a real docker-registry fails the first k requests
 * of each kind (502, 429 with Retry-After, dropped connections). The push must succeed in 50 of 50
 * trials within its budget; under persistent failure it must fail with one clear error and leave
 * no tag anywhere (checked on the registry itself, behind the proxy).
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushImage } from '../../src/core/registry/push.ts';
import { copyImage } from '../../src/core/registry/copy.ts';
import { RegistryError } from '../../src/core/registry/client.ts';
import { startFaultProxy, type Fault, type FaultProxy } from '../helpers/fault-proxy.ts';
import { makeLayout, type TestLayout } from '../helpers/oci-layout.ts';
import { getManifest, registryTags, useRegistry } from '../helpers/registry.ts';

const reg = useRegistry();
let proxy: FaultProxy;
const retry = { attempts: 8, baseMs: 1, maxDelayMs: 10, budgetMs: 30_000 };
const layouts: TestLayout[] = [];

beforeAll(async () => {
  proxy = await startFaultProxy({ target: reg.host });
});
afterAll(async () => {
  await proxy.close();
  for (const l of layouts) await rm(l.dir, { recursive: true, force: true });
});

async function layout(label: string): Promise<TestLayout> {
  const l = await makeLayout({ label, layerSizes: [2048, 8192] });
  layouts.push(l);
  return l;
}

const faults: Fault[] = [502, 429, 'reset', 503];

describe('transient failures', () => {
  it('push succeeds in 50 of 50 trials with k failures of every request kind', async () => {
    let ok = 0;
    for (let trial = 0; trial < 50; trial++) {
      const k = 1 + (trial % 3);
      proxy.configure({ failFirst: k, fault: (_kind, n) => faults[(trial + n) % faults.length]! });
      const l = await layout(`trial-${trial}`);
      const r = await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${proxy.host}/faults/ok`, `${proxy.host}/faults/mirror`], tags: [`t${trial}`], retry });
      expect(r.refs).toEqual([`${proxy.host}/faults/ok@${l.digest}`, `${proxy.host}/faults/mirror@${l.digest}`]);
      // every kind the push used was failed k times before it passed
      for (const [kind, n] of proxy.injected) expect(n, kind).toBe(Math.min(k, proxy.seen.get(kind)!));
      expect(proxy.injected.get('manifest-put-digest')).toBe(k);
      expect((await getManifest(reg.host, 'faults/ok', `t${trial}`)).digest).toBe(l.digest);
      ok++;
    }
    expect(ok).toBe(50);
    expect((await registryTags(reg.host, 'faults/mirror')).length).toBe(50);
  });

  it('chunked uploads resume where the registry stands after failed PATCHes and status reads', async () => {
    for (const fault of [502, 'reset', 'lost'] as const) {
      proxy.configure({ failFirst: 2, fault });
      const l = await makeLayout({ label: `chunked-${fault}`, layerSizes: [300_000, 150_000] });
      layouts.push(l);
      const r = await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${proxy.host}/faults/chunked`], tags: [`c${fault}`], retry, chunkThreshold: 64 * 1024, chunkSize: 64 * 1024 });
      expect(r.uploadedBlobs).toBe(3);
      expect(proxy.injected.get('upload-patch')).toBe(2);
      for (const layer of l.layers) {
        const res = await fetch(`http://${reg.host}/v2/faults/chunked/blobs/${layer.digest}`);
        expect(Buffer.from(await res.arrayBuffer()).length).toBe(layer.size);
      }
    }
  });

  it('answers lost after the registry applied the request (PUT, PATCH, POST, mount) are retried safely', async () => {
    for (let trial = 0; trial < 5; trial++) {
      proxy.configure({ failFirst: 1 + (trial % 2), fault: 'lost' });
      const l = await layout(`lost-${trial}`);
      const r = await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${proxy.host}/faults/lost`, `${proxy.host}/faults/lost-mirror`], tags: [`l${trial}`], retry });
      expect(r.refs).toHaveLength(2);
      expect((await getManifest(reg.host, 'faults/lost-mirror', `l${trial}`)).digest).toBe(l.digest);
    }
  });

  it('copyImage rides out k failures of each kind too', async () => {
    proxy.configure({});
    const l = await layout('copy');
    const [src] = (await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${proxy.host}/faults/src`], retry })).refs;
    proxy.configure({ failFirst: 2, fault: 502 });
    const r = await copyImage({ source: src!, destination: `${proxy.host}/faults/dst`, tags: ['copied'], retry });
    expect(r.ref).toBe(`${proxy.host}/faults/dst@${l.digest}`);
    expect(await registryTags(reg.host, 'faults/dst')).toEqual(['copied']);
  });
});

describe('damaged downloads', () => {
  it('a blob whose bytes do not match its digest is downloaded again', async () => {
    proxy.configure({});
    const l = await layout('corrupt-once');
    const [src] = (await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${proxy.host}/faults/corrupt-src`], retry })).refs;
    proxy.configure({ failFirst: 1, kinds: ['blob-get'], fault: 'corrupt' });
    const r = await copyImage({ source: src!, destination: `${reg.host}/faults/corrupt-dst`, tags: ['copied'], retry });
    expect(r.ref).toBe(`${reg.host}/faults/corrupt-dst@${l.digest}`);
    expect(proxy.injected.get('blob-get')).toBe(1);
  });

  it('a blob that keeps arriving damaged fails as a digest mismatch naming both digests, not as a network error', async () => {
    proxy.configure({});
    const l = await layout('corrupt-always');
    const [src] = (await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${proxy.host}/faults/corrupt-src2`], retry })).refs;
    proxy.configure({ persistent: ['blob-get'], fault: 'corrupt' });
    const err = await copyImage({ source: src!, destination: `${reg.host}/faults/corrupt-dst2`, tags: ['copied'], retry }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    const e = err as RegistryError;
    expect(e.code).toBe('DIGEST_MISMATCH');
    expect(e.message).toMatch(/GET blob (sha256:[0-9a-f]{64}) failed \(the blob's content has digest sha256:[0-9a-f]{64}, not the \1 that was asked for; gave up within the retry budget\) after 8 attempts/);
    expect(e.message).not.toMatch(/ECONNRESET|connection/i);
    expect(await registryTags(reg.host, 'faults/corrupt-dst2')).toEqual([]);
  });
});

describe('persistent failures', () => {
  const kinds = ['ping', 'blob-head', 'upload-post', 'upload-put', 'manifest-put-digest', 'manifest-head', 'manifest-put-tag'];
  it.each(kinds)('%s failing persistently: one clear error and no partial tags', async (kind) => {
    proxy.configure({ persistent: [kind], fault: 502 });
    const l = await layout(`persistent-${kind}`);
    const repoA = `persist/${kind}-a`;
    const repoB = `persist/${kind}-b`;
    const err = await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${proxy.host}/${repoA}`, `${proxy.host}/${repoB}`], tags: ['v1', 'latest'], retry }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RegistryError);
    const e = err as RegistryError;
    expect(e.registry).toBe(proxy.host);
    expect(e.message).toMatch(new RegExp(`registry ${proxy.host}`));
    expect(e.message).toMatch(/HTTP 502/);
    expect(e.message).toMatch(/after 8 attempts/);
    expect(e.retryable).toBe(false);
    expect(await registryTags(reg.host, repoA)).toEqual([]);
    expect(await registryTags(reg.host, repoB)).toEqual([]);
  });

  it('gives up when the total budget is spent, even with attempts left', async () => {
    proxy.configure({ persistent: ['upload-post'], fault: 503 });
    const l = await layout('budget');
    const started = Date.now();
    await expect(pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${proxy.host}/persist/budget`], tags: ['v1'], retry: { attempts: 1000, baseMs: 50, maxDelayMs: 100, budgetMs: 1500 } })).rejects.toThrow(/start upload of blob .*HTTP 503.*gave up within the retry budget/);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await registryTags(reg.host, 'persist/budget')).toEqual([]);
  });

  it('a refused request (4xx other than 408/429) is not retried', async () => {
    proxy.configure({ persistent: ['upload-post'], fault: 403 });
    const l = await layout('forbidden');
    const err = await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${proxy.host}/persist/4xx`], tags: ['v1'], retry, concurrency: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as Error).message).toMatch(/start upload of blob sha256:[0-9a-f]{64} failed: HTTP 403 DENIED.*check the credentials/);
    expect(Object.fromEntries(proxy.seen)).toMatchObject({ 'upload-post': 1 });
    expect(await registryTags(reg.host, 'persist/4xx')).toEqual([]);
  });

  it('a tag write failing midway is rolled back: the moved tag points at the old digest again', async () => {
    proxy.configure({});
    const old = await layout('old');
    await pushImage({ layoutDir: old.dir, digest: old.digest, destinations: [`${proxy.host}/persist/rollback`], tags: ['v1'], retry });
    const next = await layout('next');
    proxy.configure({ failMatching: /^PUT .*\/manifests\/v2$/, fault: 502 });
    await expect(pushImage({ layoutDir: next.dir, digest: next.digest, destinations: [`${proxy.host}/persist/rollback`], tags: ['v1', 'v2'], retry })).rejects.toThrow(/PUT manifest v2 failed: HTTP 502.*rolled back: .*persist\/rollback:v2 \(absent, as before\), .*persist\/rollback:v1 \(points at sha256:[0-9a-f]{12}… again\)/);
    proxy.configure({});
    expect((await getManifest(reg.host, 'persist/rollback', 'v1')).digest).toBe(old.digest);
    expect(await registryTags(reg.host, 'persist/rollback')).toEqual(['v1']);
  });
});
