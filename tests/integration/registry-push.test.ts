/**
 * pushImage/copyImage against a real docker-registry (CNCF distribution) on a loopback port:
 * digest read-back, skipping what the registry has, chunked uploads, tag overwrite, cross-repo
 * mount, and skopeo reading what we pushed.
 */
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { pushImage } from '../../src/core/registry/push.ts';
import { copyImage, manifestExists, resolveDigest } from '../../src/core/registry/copy.ts';
import { startLocalRegistry } from '../../src/core/registry/local.ts';
import { makeIndexLayout, makeLayout, type TestLayout } from '../helpers/oci-layout.ts';
import { getManifest, registryTags, useRegistry } from '../helpers/registry.ts';
import { tool } from '../helpers/tools.ts';

const reg = useRegistry();
const retry = { baseMs: 1, maxDelayMs: 5, budgetMs: 30_000 };
const layouts: TestLayout[] = [];
async function layout(...args: Parameters<typeof makeLayout>): Promise<TestLayout> {
  const l = await makeLayout(...args);
  layouts.push(l);
  return l;
}
afterAll(async () => {
  for (const l of layouts) await rm(l.dir, { recursive: true, force: true });
});

const hasSkopeo = await tool('skopeo', 'apt-get install skopeo, or run scripts/bootstrap');

describe('pushImage', () => {
  it('pushes by digest; the registry serves the same manifest bytes and digest, then the tags', async () => {
    const l = await layout();
    const r = await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${reg.host}/demo/app`], tags: ['v1', 'latest'], retry });
    expect(r.refs).toEqual([`${reg.host}/demo/app@${l.digest}`]);
    expect(r.uploadedBlobs).toBe(3);
    const m = await getManifest(reg.host, 'demo/app', l.digest);
    expect(m.status).toBe(200);
    expect(m.digest).toBe(l.digest);
    expect(m.bytes.equals(l.manifest)).toBe(true);
    expect((await registryTags(reg.host, 'demo/app')).sort()).toEqual(['latest', 'v1']);
    expect(await resolveDigest(`${reg.host}/demo/app:v1`)).toBe(l.digest);
    expect(await manifestExists(`${reg.host}/demo/app@${l.digest}`)).toBe(true);
  });

  it.runIf(hasSkopeo)('skopeo inspect reads what was pushed, by digest', async () => {
    const l = await layout({ label: 'skopeo' });
    await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${reg.host}/demo/skopeo`], retry });
    const out = JSON.parse(execFileSync('skopeo', ['inspect', '--no-tags', '--tls-verify=false', `docker://${reg.host}/demo/skopeo@${l.digest}`], { encoding: 'utf8' }));
    expect(out.Digest).toBe(l.digest);
    expect(out.Labels['org.opencontainers.image.title']).toBe('skopeo');
  });

  it('skips what the registry holds: an unchanged image pushed again uploads 0 bytes', async () => {
    const l = await layout({ layerSizes: [20_000, 30_000] });
    const first = await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${reg.host}/demo/again`], tags: ['x'], retry });
    expect(first.uploadedBytes).toBeGreaterThan(50_000);
    const second = await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${reg.host}/demo/again`], tags: ['x'], retry });
    expect(second.uploadedBytes).toBe(0);
    expect(second.uploadedBlobs).toBe(0);
    expect(second.skippedBlobs).toBe(3);
  });

  it('uploads big blobs in PATCH chunks', async () => {
    const l = await layout({ layerSizes: [300_000] });
    const r = await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${reg.host}/demo/chunked`], retry, chunkThreshold: 64 * 1024, chunkSize: 64 * 1024 });
    expect(r.uploadedBlobs).toBe(2);
    const res = await fetch(`http://${reg.host}/v2/demo/chunked/blobs/${l.layers[0]!.digest}`);
    expect(Number(res.headers.get('content-length'))).toBe(l.layers[0]!.size);
    await res.arrayBuffer();
  });

  it('pushes to several repositories of one registry, mounting blobs instead of re-uploading', async () => {
    const l = await layout();
    const r = await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${reg.host}/multi/one`, `${reg.host}/multi/two`], tags: ['t'], retry });
    expect(r.refs).toEqual([`${reg.host}/multi/one@${l.digest}`, `${reg.host}/multi/two@${l.digest}`]);
    expect(r.mountedBlobs).toBe(3);
    expect(await registryTags(reg.host, 'multi/two')).toEqual(['t']);
  });

  it('tag overwrite: after name:tag is re-pushed with other content, the recorded digest still resolves to the tested image', async () => {
    const tested = await layout({ label: 'tested' });
    const pushed = await pushImage({ layoutDir: tested.dir, digest: tested.digest, destinations: [`${reg.host}/demo/overwrite`], tags: ['stable'], retry });
    const recorded = pushed.refs[0]!;
    const other = await layout({ label: 'other' });
    await pushImage({ layoutDir: other.dir, digest: other.digest, destinations: [`${reg.host}/demo/overwrite`], tags: ['stable'], retry });
    expect(await resolveDigest(`${reg.host}/demo/overwrite:stable`)).toBe(other.digest);
    expect(await resolveDigest(recorded)).toBe(tested.digest);
    const byDigest = await getManifest(reg.host, 'demo/overwrite', tested.digest);
    expect(byDigest.bytes.equals(tested.manifest)).toBe(true);
  });

  it('pushes a multi-platform index: children first, the index by digest, shared layers once', async () => {
    const l = await makeIndexLayout();
    layouts.push(l);
    const r = await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${reg.host}/demo/multiarch`], tags: ['v1'], retry });
    expect(r.refs).toEqual([`${reg.host}/demo/multiarch@${l.digest}`]);
    // shared layer + 2 own layers + 2 configs
    expect(r.uploadedBlobs).toBe(5);
    const index = await getManifest(reg.host, 'demo/multiarch', 'v1');
    expect(index.digest).toBe(l.digest);
    expect(index.bytes.equals(l.manifest)).toBe(true);
    for (const child of l.children) expect((await getManifest(reg.host, 'demo/multiarch', child)).status).toBe(200);
    const copied = await copyImage({ source: r.refs[0]!, destination: `${reg.host}/prod/multiarch`, retry });
    expect(copied.ref).toBe(`${reg.host}/prod/multiarch@${l.digest}`);
  });

  it('refuses a destination with a tag and a digest that is not one', async () => {
    const l = await layout();
    await expect(pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${reg.host}/demo/x:v1`], retry })).rejects.toThrow(/names a tag/);
    await expect(pushImage({ layoutDir: l.dir, digest: 'latest', destinations: [`${reg.host}/demo/x`], retry })).rejects.toThrow(/not a digest/);
    await expect(pushImage({ layoutDir: l.dir, digest: `sha256:${'0'.repeat(64)}`, destinations: [`${reg.host}/demo/x`], retry })).rejects.toThrow(/does not hold/);
  });
});

describe('copyImage', () => {
  it('copies a digest within one registry by cross-repository mount, then tags it', async () => {
    const l = await layout({ layerSizes: [10_000, 10_000, 10_000] });
    const [src] = (await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${reg.host}/staging/app`], retry })).refs;
    const r = await copyImage({ source: src!, destination: `${reg.host}/prod/app`, tags: ['prod'], retry });
    expect(r.ref).toBe(`${reg.host}/prod/app@${l.digest}`);
    expect(r.mountedBlobs).toBe(4);
    expect(r.uploadedBytes).toBe(0);
    expect(await registryTags(reg.host, 'prod/app')).toEqual(['prod']);
    expect((await getManifest(reg.host, 'prod/app', l.digest)).bytes.equals(l.manifest)).toBe(true);
  });

  it('copies across registries by streaming blobs, digest unchanged', async () => {
    const other = await startLocalRegistry();
    try {
      const l = await layout({ layerSizes: [40_000, 1000] });
      const [src] = (await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${reg.host}/staging/cross`], retry })).refs;
      const r = await copyImage({ source: src!, destination: `${other.host}/prod/cross`, tags: ['prod'], retry });
      expect(r.ref).toBe(`${other.host}/prod/cross@${l.digest}`);
      expect(r.mountedBlobs).toBe(0);
      expect(r.uploadedBytes).toBe(l.layers.reduce((n, x) => n + x.size, 0) + l.config.size);
      expect((await getManifest(other.host, 'prod/cross', 'prod')).bytes.equals(l.manifest)).toBe(true);
      const again = await copyImage({ source: src!, destination: `${other.host}/prod/cross`, retry });
      expect(again.uploadedBytes).toBe(0);
    } finally {
      await other.stop();
    }
  });

  it('refuses a tag-only source', async () => {
    await expect(copyImage({ source: `${reg.host}/staging/app:latest`, destination: `${reg.host}/prod/app`, retry })).rejects.toThrow(/has no digest/);
    await expect(manifestExists(`${reg.host}/staging/app:latest`)).rejects.toThrow(/has no digest/);
  });
});
