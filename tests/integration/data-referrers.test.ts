/**
 * What the referrers path and the size limits of `dataops data show` do against a real
 * docker-registry 2.8 (loopback). The Debian registry has no referrers API (its
 * `GET /v2/<name>/referrers/<digest>` answers 404) and no registry with one (zot, distribution v3)
 * is installable here offline, so a loopback proxy in front of the real registry answers that one
 * route itself, in the response shape of the OCI distribution spec 1.1 ("Listing Referrers": an
 * image index of descriptors with `artifactType`, `OCI-Filters-Applied` when filtered); every other
 * request reaches the registry. Then the cut-offs: a referrers answer past the read-back limit or
 * not an image index is one line (exit 2), never read whole; a blob past the limit served without
 * a length stops being read at the limit; annotations carrying terminal control sequences are shown
 * escaped.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachManifests, DATA_ARTIFACT_TYPE, MAX_READ_BACK_BYTES } from '../../src/core/data/attach.ts';
import { serializeManifest, type DataManifest } from '../../src/core/data/manifest.ts';
import { sha256 } from '../../src/core/hash.ts';
import { MEDIA_TYPES, RegistryClient, RegistryError } from '../../src/core/registry/client.ts';
import { pushImage } from '../../src/core/registry/push.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { dataopsIn, oneLine } from '../helpers/data-cli.ts';
import { makeLayout } from '../helpers/oci-layout.ts';
import { getManifest, useRegistry } from '../helpers/registry.ts';

const reg = useRegistry();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'data-referrers-'));
let proxy: FaultProxy;
beforeAll(async () => {
  proxy = await startFaultProxy({ target: reg.host });
});
afterAll(async () => {
  await proxy?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const dataops = dataopsIn(tmp);

const MANIFEST: DataManifest = {
  manifest_version: 1,
  dataset: { name: 'routes', kind: 'sql', location: 'SELECT 1' },
  content_hash: null,
  row_count: 3,
  schema: [{ name: 'id', type: 'BIGINT' }],
  columns: [{ name: 'id', type: 'BIGINT', nulls: 0, distinct: 3, min: 1, max: 3, mean: 2, stddev: 1 }],
  producer: { name: 'dataops-actions', version: '0.1.0', engine: 'duckdb v1.5.0' },
};

let n = 0;
/** A fresh image in the real registry with one data manifest attached (the registry lists it under the referrers tag). */
async function attached(labels: { dataset?: string; stage?: string; role?: string } = {}): Promise<{ repository: string; digest: string; artifact: string; artifactSize: number }> {
  const image = await makeLayout({ label: `referrers-${++n}` });
  const repository = `flow/ref${n}`;
  await pushImage({ layoutDir: image.dir, digest: image.digest, destinations: [`${reg.host}/${repository}`], tags: [] });
  rmSync(image.dir, { recursive: true, force: true });
  const file = path.join(tmp, `m${n}.data-manifest.json`);
  const text = serializeManifest(MANIFEST);
  writeFileSync(file, text);
  const client = new RegistryClient({ registry: reg.host, insecure: true });
  // a registry may hold annotations of any text: the role too (the type of ours is 'input' | 'output')
  const a = await attachManifests(client, repository, image.digest, [{ stage: labels.stage ?? 'system-test', role: (labels.role ?? 'output') as 'output', dataset: labels.dataset ?? 'routes', digest: sha256(text), file, content_hash: null, row_count: 3 }]);
  const artifactSize = (await getManifest(reg.host, repository, a.digest)).bytes.length;
  return { repository, digest: image.digest, artifact: a.digest, artifactSize };
}

/** The referrers answer of the OCI distribution spec: an image index of the referrers' descriptors. */
function referrersIndex(descriptors: Array<Record<string, unknown>>): Buffer {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: descriptors }));
}

const INDEX_HEADERS = { 'content-type': MEDIA_TYPES.ociIndex };

describe('referrers API (OCI distribution spec 1.1) in front of docker-registry 2.8', () => {
  it('an image index listing the artifact among other referrers: data show reads it through the API, the tag schema unused', async () => {
    const a = await attached();
    proxy.configure({
      answer: {
        'referrers-get': (url) => {
          expect(url).toBe(`/v2/${a.repository}/referrers/${a.digest}?artifactType=${encodeURIComponent(DATA_ARTIFACT_TYPE)}`);
          // a registry may ignore the filter: an SBOM referrer is listed too and must be passed over
          const sbom = { mediaType: MEDIA_TYPES.ociManifest, digest: `sha256:${'b'.repeat(64)}`, size: 612, artifactType: 'application/spdx+json', annotations: { 'org.opencontainers.image.created': '2026-11-30T00:00:00Z' } };
          return { status: 200, headers: INDEX_HEADERS, body: referrersIndex([{ mediaType: MEDIA_TYPES.ociManifest, digest: a.artifact, size: a.artifactSize, artifactType: DATA_ARTIFACT_TYPE }, sbom]) };
        },
      },
    });
    const r = await dataops('data', 'show', `${proxy.host}/${a.repository}@${a.digest}`, '--insecure', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ artifact: a.artifact, via: 'referrers', manifests: [{ dataset: 'routes', stage: 'system-test', role: 'output', manifest: { row_count: 3 } }] });
    expect(proxy.seen.get('referrers-get')).toBe(1);
    // the referrers tag (sha256-<hex>) was never asked for
    expect(proxy.requests.filter((q) => q.url.includes(`/manifests/sha256-`))).toEqual([]);
  });

  it(`a referrers answer past the read-back limit (${MAX_READ_BACK_BYTES} bytes), announced or streamed: exit 2, one line, not read whole`, async () => {
    const a = await attached();
    const huge = referrersIndex([{ mediaType: MEDIA_TYPES.ociManifest, digest: a.artifact, size: a.artifactSize, artifactType: DATA_ARTIFACT_TYPE, annotations: { pad: 'x'.repeat(16 * MAX_READ_BACK_BYTES) } }]);
    for (const announced of [true, false]) {
      proxy.configure({ answer: { 'referrers-get': () => ({ status: 200, headers: announced ? { ...INDEX_HEADERS, 'content-length': String(huge.length) } : INDEX_HEADERS, body: huge }) } });
      const r = await dataops('data', 'show', `${proxy.host}/${a.repository}@${a.digest}`, '--insecure');
      expect(r.code, r.stderr).toBe(2);
      expect(oneLine(r.stderr)).toMatch(new RegExp(`configuration error: .*referrers of ${a.digest}.*manifests: larger than the read-back limit of ${MAX_READ_BACK_BYTES} bytes; not read`));
      expect(r.stdout).toBe('');
      // the client stopped reading: what was sent is the limit and the socket buffers (a few MiB on loopback), not the 64 MiB answer
      expect(proxy.sent.get('referrers-get') ?? 0, announced ? 'announced' : 'streamed').toBeLessThan(huge.length / 4);
    }
  });

  it('a referrers answer that is not an image index (not JSON, manifests not a list): exit 2, one line naming it', async () => {
    const a = await attached();
    for (const [body, problem] of [
      ['{"schemaVersion": 2, "manifests": [', 'not JSON'],
      ['{"schemaVersion": 2, "manifests": {"digest": "sha256:1"}}', '"manifests" is not a list of descriptors'],
      ['[1, 2]', 'not a JSON object'],
    ] as const) {
      proxy.configure({ answer: { 'referrers-get': () => ({ status: 200, headers: INDEX_HEADERS, body: Buffer.from(body) }) } });
      const r = await dataops('data', 'show', `${proxy.host}/${a.repository}@${a.digest}`, '--insecure');
      expect(r.code, r.stderr).toBe(2);
      expect(oneLine(r.stderr)).toContain(`referrers of ${a.digest}: manifests: the answer is not an OCI image index: ${problem}`);
    }
  });
});

describe('size limits and hostile text of what the registry hands back', () => {
  it('a blob past the limit served without a length (chunked): getBlob stops reading at the limit, SIZE_LIMIT', async () => {
    const a = await attached();
    const big = Buffer.alloc(64 << 20, 7);
    const digest = sha256(big);
    const direct = new RegistryClient({ registry: reg.host, insecure: true });
    await direct.uploadBlob(a.repository, digest, big.length, (offset, length) => Promise.resolve(big.subarray(offset, offset + length)));
    // the real registry announces the length: refused before reading
    proxy.configure({});
    const viaProxy = new RegistryClient({ registry: proxy.host, insecure: true });
    const announced = await viaProxy.getBlob(a.repository, digest, 1 << 20).catch((err: unknown) => err);
    expect(announced).toBeInstanceOf(RegistryError);
    expect((announced as RegistryError).code).toBe('SIZE_LIMIT');
    expect(proxy.sent.get('blob-get') ?? 0).toBeLessThan(big.length / 4);
    // without the length, the stream is cut at the limit
    proxy.configure({ chunked: ['blob-get'] });
    const streamed = await viaProxy.getBlob(a.repository, digest, 1 << 20).catch((err: unknown) => err);
    expect(streamed).toBeInstanceOf(RegistryError);
    expect((streamed as RegistryError).code).toBe('SIZE_LIMIT');
    expect((streamed as RegistryError).message).toContain('larger than the limit of 1048576 bytes; not read');
    expect(proxy.seen.get('blob-get')).toBe(1);
    expect(proxy.sent.get('blob-get') ?? 0).toBeLessThan(big.length / 4);
    // the blob itself is fine: read whole under a limit it fits
    proxy.configure({ chunked: ['blob-get'] });
    expect((await viaProxy.getBlob(a.repository, digest, big.length)).equals(big)).toBe(true);
  });

  it('annotations carrying terminal control sequences (ESC, C1 CSI, bidi override): shown escaped, the JSON the same values', async () => {
    const dataset = 'routes\u001b]0;owned\u0007\u001b[2J';
    const stage = 'system-test\u009b31m';
    const role = 'out\u202eput';
    const a = await attached({ dataset, stage, role });
    proxy.configure({});
    const r = await dataops('data', 'show', `${reg.host}/${a.repository}@${a.digest}`, '--insecure');
    expect(r.code, r.stderr).toBe(0);
    // eslint-disable-next-line no-control-regex -- the control characters are what it matches
    const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;
    expect(r.stdout).not.toMatch(raw);
    expect(r.stderr).not.toMatch(raw);
    const row = r.stdout.trimEnd().split('\n')[1]!.split(/\s+/);
    expect(row.slice(0, 3)).toEqual(['system-test\\u009b31m', 'out\\u202eput', 'routes\\u001b]0;owned\\u0007\\u001b[2J']);
    const j = await dataops('data', 'show', `${reg.host}/${a.repository}@${a.digest}`, '--insecure', '--json');
    expect(j.code, j.stderr).toBe(0);
    expect(j.stdout).not.toMatch(raw);
    expect(JSON.parse(j.stdout)).toMatchObject({ manifests: [{ dataset, stage, role }] });
  });
});
