/**
 * Data manifests attached to an image digest as an OCI artifact on a real docker-registry 2.8
 * (loopback): its referrers API answers 404, so the referrers tag schema (`sha256-<hex>`) lists
 * the artifact; the artifact names the image as `subject`, carries `artifactType`, and skopeo
 * reads it. A second attach appends to the index; readers get the newest.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attachManifests, DATA_ARTIFACT_TYPE, findDataArtifacts, readAttachedManifests, referrersTag } from '../../src/core/data/attach.ts';
import { DATA_MANIFEST_MEDIA_TYPE } from '../../src/core/data/manifest.ts';
import { recordDirectory } from '../../src/core/data/record.ts';
import { RegistryClient } from '../../src/core/registry/client.ts';
import { pushImage } from '../../src/core/registry/push.ts';
import { makeLayout } from '../helpers/oci-layout.ts';
import { getManifest, useRegistry } from '../helpers/registry.ts';
import { tool } from '../helpers/tools.ts';

const reg = useRegistry();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'data-attach-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const DATA = path.resolve(import.meta.dirname, '../../node_modules/vega-datasets/data');
const hasSkopeo = await tool('skopeo', 'apt-get install skopeo');

describe('data manifests bound to the image digest', () => {
  it('docker-registry 2.8: artifact with subject and artifactType, listed under the referrers tag, read back by digest', async () => {
    const image = await makeLayout();
    await pushImage({ layoutDir: image.dir, digest: image.digest, destinations: [`${reg.host}/flow/app`], tags: ['v1'] });
    const fixtures = path.join(tmp, 'fx');
    execFileSync('mkdir', ['-p', fixtures]);
    execFileSync('cp', [path.join(DATA, 'airports.csv'), path.join(DATA, 'movies.json'), fixtures]);
    const { recorded } = await recordDirectory(fixtures, path.join(tmp, 'manifests'), 'system-test', 'input', { engine: { tempDirectory: tmp } });
    const client = new RegistryClient({ registry: reg.host, insecure: true });
    const attached = await attachManifests(client, 'flow/app', image.digest, recorded);
    expect(attached.via).toBe('tag-schema');
    expect(attached.tag).toBe(referrersTag(image.digest));
    // the registry API itself shows it: the fallback index, then the artifact manifest
    const index = JSON.parse((await getManifest(reg.host, 'flow/app', attached.tag!)).bytes.toString('utf8'));
    expect(index.manifests).toEqual([expect.objectContaining({ digest: attached.digest, artifactType: DATA_ARTIFACT_TYPE })]);
    const raw = await getManifest(reg.host, 'flow/app', attached.digest);
    expect(raw.digest).toBe(attached.digest);
    const artifact = JSON.parse(raw.bytes.toString('utf8'));
    expect(artifact.artifactType).toBe(DATA_ARTIFACT_TYPE);
    expect(artifact.subject).toMatchObject({ digest: image.digest });
    expect(artifact.layers.map((l: { mediaType: string; digest: string }) => [l.mediaType, l.digest])).toEqual(recorded.map((r) => [DATA_MANIFEST_MEDIA_TYPE, r.digest]));
    // read back: the same documents, by digest
    const back = await readAttachedManifests(client, 'flow/app', image.digest);
    expect(back!.artifact).toBe(attached.digest);
    expect(back!.manifests.map((m) => [m.dataset, m.stage, m.role, m.digest])).toEqual(recorded.map((r) => [r.dataset, 'system-test', 'input', r.digest]));
    expect(back!.manifests[0]!.manifest.row_count).toBe(recorded[0]!.row_count);
    // a later attach (a re-run) is appended; readers take the newest
    const again = await attachManifests(client, 'flow/app', image.digest, recorded.slice(0, 1));
    expect((await findDataArtifacts(client, 'flow/app', image.digest)).digests).toEqual([attached.digest, again.digest]);
    expect((await readAttachedManifests(client, 'flow/app', image.digest))!.manifests).toHaveLength(1);
    // the image itself is unchanged
    expect((await getManifest(reg.host, 'flow/app', 'v1')).digest).toBe(image.digest);
    rmSync(image.dir, { recursive: true, force: true });
  });

  it.runIf(hasSkopeo)('skopeo reads the artifact and the fallback index', async () => {
    const image = await makeLayout({ label: 'skopeo' });
    await pushImage({ layoutDir: image.dir, digest: image.digest, destinations: [`${reg.host}/flow/sk`], tags: [] });
    const { recorded } = await recordDirectory(path.join(tmp, 'fx'), path.join(tmp, 'm2'), 'verify-staging', 'input', { engine: { tempDirectory: tmp } });
    const client = new RegistryClient({ registry: reg.host, insecure: true });
    const attached = await attachManifests(client, 'flow/sk', image.digest, recorded);
    const index = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/flow/sk:${referrersTag(image.digest)}`], { encoding: 'utf8' }));
    expect(index.manifests[0].digest).toBe(attached.digest);
    const artifact = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/flow/sk@${attached.digest}`], { encoding: 'utf8' }));
    expect(artifact.subject.digest).toBe(image.digest);
    rmSync(image.dir, { recursive: true, force: true });
  });
});
