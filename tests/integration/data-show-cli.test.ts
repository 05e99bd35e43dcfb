/**
 * `dataops data show <image@digest>` as a process, against a real docker-registry 2.8 (loopback;
 * the referrers tag schema lists the artifact): the dataset versions attached to the digest are
 * printed; bad references and images without manifests exit with one line. Then what a registry
 * may hand back: every data-manifest artifact read back is hostile until checked (malformed JSON,
 * a document past the read-back limit, a wrong format version or media type, content that does
 * not match its digest, a PII column carrying a value): each exits 2 with one line naming the
 * artifact and the field, no stack, no value.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attachManifests, MAX_READ_BACK_BYTES, referrersTag } from '../../src/core/data/attach.ts';
import { serializeManifest, type DataManifest } from '../../src/core/data/manifest.ts';
import { recordDirectory, type RecordedManifest } from '../../src/core/data/record.ts';
import { sha256 } from '../../src/core/hash.ts';
import { MEDIA_TYPES, RegistryClient } from '../../src/core/registry/client.ts';
import { pushImage } from '../../src/core/registry/push.ts';
import { dataopsIn, oneLine } from '../helpers/data-cli.ts';
import { makeLayout } from '../helpers/oci-layout.ts';
import { getManifest, useRegistry } from '../helpers/registry.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DATA = path.join(ROOT, 'node_modules/vega-datasets/data');
const reg = useRegistry();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'data-show-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SECRET = 'ann.secret@example.com';

const dataops = dataopsIn(tmp);

let n = 0;
/** A fresh image pushed to `flow/show<n>`: its repository and digest. */
async function pushed(): Promise<{ repository: string; digest: string; ref: string }> {
  const image = await makeLayout({ label: `show-${++n}` });
  const repository = `flow/show${n}`;
  await pushImage({ layoutDir: image.dir, digest: image.digest, destinations: [`${reg.host}/${repository}`], tags: [] });
  rmSync(image.dir, { recursive: true, force: true });
  return { repository, digest: image.digest, ref: `${reg.host}/${repository}@${image.digest}` };
}

/** The manifest of a fixture directory holding airports.csv. */
async function recorded(): Promise<RecordedManifest[]> {
  const dir = path.join(tmp, 'fx');
  mkdirSync(dir, { recursive: true });
  copyFileSync(path.join(DATA, 'airports.csv'), path.join(dir, 'airports.csv'));
  return (await recordDirectory(dir, path.join(tmp, 'manifests'), 'system-test', 'input', { engine: { tempDirectory: tmp } })).recorded;
}

/** Attaches one layer holding `text` (written as a manifest file) to a fresh image; @returns the image and the artifact digest. */
async function attachText(text: string | Buffer): Promise<{ ref: string; artifact: string; repository: string; digest: string }> {
  const img = await pushed();
  const file = path.join(tmp, `hostile-${n}.data-manifest.json`);
  writeFileSync(file, text);
  const client = new RegistryClient({ registry: reg.host, insecure: true });
  const a = await attachManifests(client, img.repository, img.digest, [{ stage: 'system-test', role: 'input', dataset: 'people', digest: sha256(readFileSync(file)), file, content_hash: null, row_count: 0 }]);
  return { ...img, artifact: a.digest };
}

/** A valid manifest document of a dataset with a PII column. */
function peopleManifest(): DataManifest {
  return {
    manifest_version: 1,
    dataset: { name: 'people', kind: 'sql', location: 'SELECT 1' },
    content_hash: null,
    row_count: 2,
    schema: [
      { name: 'id', type: 'BIGINT' },
      { name: 'email', type: 'VARCHAR' },
    ],
    columns: [
      { name: 'id', type: 'BIGINT', nulls: 0, distinct: 2, min: 1, max: 2, mean: 1.5, stddev: 0.707106781187 },
      { name: 'email', type: 'VARCHAR', nulls: 0, distinct: 2, min: null, max: null, pii: true },
    ],
    producer: { name: 'dataops-actions', version: '0.1.0', engine: 'duckdb v1.5.0' },
  };
}

describe('dataops data show <image@digest>', () => {
  it('prints the dataset versions attached to the digest (table and --json)', async () => {
    const img = await pushed();
    const rec = await recorded();
    const client = new RegistryClient({ registry: reg.host, insecure: true });
    const attached = await attachManifests(client, img.repository, img.digest, rec);
    const r = await dataops('data', 'show', img.ref, '--insecure');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`artifact ${attached.digest} (referrers tag schema)`);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]!.split(/\s+/)).toEqual(['STAGE', 'ROLE', 'DATASET', 'ROWS', 'CONTENT', 'MANIFEST']);
    expect(lines.slice(1).map((l) => l.split(/\s+/))).toEqual(rec.map((m) => ['system-test', 'input', m.dataset, String(m.row_count), m.content_hash!.slice(0, 19), m.digest.slice(0, 19)]));
    expect(rec.find((m) => m.dataset === 'airports.csv')!.row_count).toBe(readFileSync(path.join(DATA, 'airports.csv'), 'utf8').trimEnd().split('\n').length - 1);
    const j = await dataops('data', 'show', img.ref, '--insecure', '--json');
    expect(j.code, j.stderr).toBe(0);
    const shown = JSON.parse(j.stdout) as { artifact: string; via: string; manifests: Array<{ digest: string; dataset: string; manifest: DataManifest }> };
    expect(shown).toMatchObject({ image: img.ref, artifact: attached.digest, via: 'tag-schema' });
    expect(shown.manifests.map((m) => [m.dataset, m.digest])).toEqual(rec.map((m) => [m.dataset, m.digest]));
    // the digest printed is the digest of the document printed
    for (const m of shown.manifests) expect(sha256(serializeManifest(m.manifest))).toBe(m.digest);
  });

  it('a malformed reference, a tag instead of a digest: exit 2, one line; a digest without manifests: exit 1, one line', async () => {
    for (const bad of ['not a reference', `${reg.host}/flow/app:v1`, `${reg.host}/flow/app@sha256:abc`]) {
      const r = await dataops('data', 'show', bad, '--insecure');
      expect(r.code, `${bad}: ${r.stderr}`).toBe(2);
      expect(oneLine(r.stderr)).toMatch(/^dataops data show: configuration error: .*image/);
    }
    const img = await pushed();
    const r = await dataops('data', 'show', img.ref, '--insecure');
    expect(r.code, r.stderr).toBe(1);
    expect(oneLine(r.stderr)).toBe(`dataops data show: ${img.ref} has no data manifests attached`);
    expect(r.stdout).toBe('');
  });
});

describe('data manifests read back from a registry are hostile until checked', () => {
  /** Runs `data show --json` and expects exit 2 with one line naming the artifact and `field`; @returns the line. */
  async function refused(ref: string, artifact: string, field: string): Promise<string> {
    const r = await dataops('data', 'show', ref, '--insecure', '--json');
    expect(r.code, r.stderr + r.stdout.slice(0, 500)).toBe(2);
    expect(r.stdout).toBe('');
    const line = oneLine(r.stderr);
    expect(line).toContain(`configuration error: ${reg.host}/`);
    expect(line).toContain(`@${artifact}`);
    expect(line).toContain(field);
    expect(line).not.toContain(SECRET);
    return line;
  }

  it('malformed JSON: refused without quoting the text', async () => {
    const a = await attachText(`{"manifest_version": 1, "email": ${SECRET}}`);
    expect(await refused(a.ref, a.artifact, 'layers[0]')).toMatch(/ layers\[0\]: not JSON\b/);
  });

  it('a PII column carrying a value: refused, the value never printed', async () => {
    const m = peopleManifest();
    m.columns[1]!.min = SECRET;
    const a = await attachText(serializeManifest(m));
    expect(await refused(a.ref, a.artifact, 'columns[1].min')).toContain('a PII column carries a value');
  });

  it('a wrong format version: refused naming manifest_version', async () => {
    const a = await attachText(serializeManifest({ ...peopleManifest(), manifest_version: 2 } as unknown as DataManifest));
    await refused(a.ref, a.artifact, 'manifest_version');
  });

  it(`a document past the read-back limit (${MAX_READ_BACK_BYTES} bytes): refused unread`, async () => {
    const text = serializeManifest(peopleManifest());
    const a = await attachText(text.replace('\n', ' '.repeat(MAX_READ_BACK_BYTES) + '\n'));
    expect(await refused(a.ref, a.artifact, 'layers[0].size')).toContain(`larger than the read-back limit of ${MAX_READ_BACK_BYTES} bytes`);
  });

  it('a layer of another media type, an artifact naming another image: refused naming the field', async () => {
    const a = await attachText(serializeManifest(peopleManifest()));
    const client = new RegistryClient({ registry: reg.host, insecure: true });
    const original = JSON.parse((await getManifest(reg.host, a.repository, a.artifact)).bytes.toString('utf8')) as { layers: Array<{ mediaType: string }>; subject: { digest: string } };
    /** Pushes an edited copy of the artifact as the newest one listed under the referrers tag. */
    const tampered = async (edit: (m: typeof original) => void): Promise<string> => {
      const m = structuredClone(original);
      edit(m);
      const bytes = new TextEncoder().encode(JSON.stringify(m));
      const digest = await client.putManifest(a.repository, sha256(bytes), { bytes, mediaType: MEDIA_TYPES.ociManifest });
      const tag = referrersTag(a.digest);
      const index = JSON.parse((await getManifest(reg.host, a.repository, tag)).bytes.toString('utf8')) as { manifests: unknown[] };
      index.manifests.push({ mediaType: MEDIA_TYPES.ociManifest, digest, size: bytes.length, artifactType: 'application/vnd.dataops.data-manifests.v1' });
      await client.putManifest(a.repository, tag, { bytes: new TextEncoder().encode(JSON.stringify(index)), mediaType: MEDIA_TYPES.ociIndex });
      return digest;
    };
    const wrongType = await tampered((m) => (m.layers[0]!.mediaType = 'application/octet-stream'));
    await refused(a.ref, wrongType, 'layers[0].mediaType');
    const other = await pushed();
    const wrongSubject = await tampered((m) => (m.subject.digest = other.digest));
    await refused(a.ref, wrongSubject, 'subject.digest');
  });

  it('content that does not match its digest (a damaged or swapped blob in the registry storage): refused naming the layer', async () => {
    const text = serializeManifest(peopleManifest());
    const a = await attachText(text);
    const hex = sha256(text).slice(7);
    const blob = path.join(reg.registry.dataDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    // same length, other bytes: the registry serves it as it is
    writeFileSync(blob, text.replace('"people"', '"peoplx"'));
    expect(await refused(a.ref, a.artifact, 'layers[0].digest')).toContain('does not match its digest');
  });
});
