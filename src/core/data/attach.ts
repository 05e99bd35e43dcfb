/**
 * Data manifests bound to an image digest as an OCI artifact (OCI image spec 1.1 "artifacts
 * guidance", distribution spec 1.1 "referrers"): an image manifest whose `artifactType` is
 * {@link DATA_ARTIFACT_TYPE}, whose config is the empty descriptor, whose layers are the data
 * manifest documents (media type {@link DATA_MANIFEST_MEDIA_TYPE}, annotated with dataset, stage
 * and role) and whose `subject` is the image. It is pushed by digest; a registry with the
 * referrers API indexes it by its subject. A registry without it (GET /v2/<name>/referrers/<digest>
 * answers 404: docker-registry 2.8) gets the referrers tag schema: the image index tagged
 * `sha256-<hex of the subject>` lists it, updated read-modify-write.
 *
 * Readers ({@link readAttachedManifests}) ask the referrers API first and fall back to that tag.
 */
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sha256 } from '../hash.ts';
import { MEDIA_TYPES, RegistryError, type RegistryClient } from '../registry/client.ts';
import { DATA_MANIFEST_MEDIA_TYPE, parseManifest, type DataManifest } from './manifest.ts';
import type { RecordedManifest } from './record.ts';

/** `artifactType` of the data-manifest artifact. */
export const DATA_ARTIFACT_TYPE = 'application/vnd.dataops.data-manifests.v1';

/** The OCI empty descriptor's media type and content (`{}`), used as the artifact's config. */
const EMPTY = { mediaType: 'application/vnd.oci.empty.v1+json', bytes: new TextEncoder().encode('{}') };

/** Layer annotations naming what a layer holds. */
export const ANNOTATIONS = {
  title: 'org.opencontainers.image.title',
  dataset: 'io.dataops.data.dataset',
  stage: 'io.dataops.data.stage',
  role: 'io.dataops.data.role',
} as const;

/** How the artifact was made findable: the registry's referrers API, or the fallback tag. */
export type ReferrersVia = 'referrers' | 'tag-schema';

/** Where an attached artifact is. */
export interface AttachedArtifact {
  /** Digest of the artifact manifest. */
  digest: string;
  /** `registry/repository@sha256:…` of the artifact. */
  ref: string;
  via: ReferrersVia;
  /** The fallback tag (`sha256-<hex>`) when `via` is `tag-schema`. */
  tag?: string;
}

/** `sha256-<hex>`: the referrers tag schema's tag of a subject digest. */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-');
}

/** Bytes to upload as a blob, unless the repository holds it. */
async function ensureBlob(client: RegistryClient, repository: string, bytes: Uint8Array): Promise<string> {
  const digest = sha256(bytes);
  if (!(await client.hasBlob(repository, digest))) await client.uploadBlob(repository, digest, bytes.length, (offset, length) => Promise.resolve(bytes.subarray(offset, offset + length)));
  return digest;
}

/**
 * Pushes the manifests `recorded` as one artifact whose subject is `subjectDigest` in `repository`.
 * @throws RegistryError when the subject is unknown to the registry or a push fails.
 */
export async function attachManifests(client: RegistryClient, repository: string, subjectDigest: string, recorded: readonly RecordedManifest[]): Promise<AttachedArtifact> {
  const head = await client.headManifest(repository, subjectDigest);
  if (!head) throw new RegistryError({ registry: client.registry, repository, operation: `attach data manifests to ${subjectDigest}`, detail: 'the registry does not hold the image', retryable: false });
  const subject = { mediaType: head.mediaType ?? MEDIA_TYPES.ociManifest, digest: subjectDigest, size: head.size ?? (await client.getManifest(repository, subjectDigest)).bytes.length };
  const configDigest = await ensureBlob(client, repository, EMPTY.bytes);
  const layers = [];
  for (const r of recorded) {
    const bytes = await readFile(r.file);
    const digest = await ensureBlob(client, repository, bytes);
    if (digest !== r.digest) throw new Error(`data manifest ${r.file} changed after it was recorded (${digest}, recorded ${r.digest})`);
    layers.push({
      mediaType: DATA_MANIFEST_MEDIA_TYPE,
      digest,
      size: bytes.length,
      annotations: { [ANNOTATIONS.title]: `${r.stage}/${r.role}/${path.basename(r.file)}`, [ANNOTATIONS.dataset]: r.dataset, [ANNOTATIONS.stage]: r.stage, [ANNOTATIONS.role]: r.role },
    });
  }
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    artifactType: DATA_ARTIFACT_TYPE,
    config: { mediaType: EMPTY.mediaType, digest: configDigest, size: EMPTY.bytes.length, data: Buffer.from(EMPTY.bytes).toString('base64') },
    layers,
    subject,
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  const digest = await client.putManifest(repository, sha256(bytes), { bytes, mediaType: MEDIA_TYPES.ociManifest });
  const ref = `${client.registry}/${repository}@${digest}`;
  const listed = await client.getReferrers(repository, subjectDigest, DATA_ARTIFACT_TYPE);
  if (listed) return { digest, ref, via: 'referrers' };
  // referrers tag schema: read-modify-write the index tagged with the subject's digest
  const tag = referrersTag(subjectDigest);
  let index: { schemaVersion: 2; mediaType: string; manifests: Array<Record<string, unknown>> } = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [] };
  if (await client.headManifest(repository, tag)) {
    const current = JSON.parse((await client.getManifest(repository, tag)).bytes.toString('utf8')) as { manifests?: Array<Record<string, unknown>> };
    index = { ...index, manifests: current.manifests ?? [] };
  }
  if (!index.manifests.some((m) => m.digest === digest)) index.manifests.push({ mediaType: MEDIA_TYPES.ociManifest, digest, size: bytes.length, artifactType: DATA_ARTIFACT_TYPE });
  await client.putManifest(repository, tag, { bytes: new TextEncoder().encode(JSON.stringify(index)), mediaType: MEDIA_TYPES.ociIndex });
  return { digest, ref, via: 'tag-schema', tag };
}

/** Descriptors of the data-manifest artifacts whose subject is `subjectDigest` (referrers API, else the fallback tag), newest last. */
export async function findDataArtifacts(client: RegistryClient, repository: string, subjectDigest: string): Promise<{ via: ReferrersVia; digests: string[] }> {
  const api = await client.getReferrers(repository, subjectDigest, DATA_ARTIFACT_TYPE);
  if (api) return { via: 'referrers', digests: api.manifests.filter((m) => m.artifactType === DATA_ARTIFACT_TYPE).map((m) => String(m.digest)) };
  const tag = referrersTag(subjectDigest);
  if (!(await client.headManifest(repository, tag))) return { via: 'tag-schema', digests: [] };
  const index = JSON.parse((await client.getManifest(repository, tag)).bytes.toString('utf8')) as { manifests?: Array<Record<string, unknown>> };
  return { via: 'tag-schema', digests: (index.manifests ?? []).filter((m) => m.artifactType === DATA_ARTIFACT_TYPE).map((m) => String(m.digest)) };
}

/** One data manifest read back from an image. */
export interface AttachedManifest {
  dataset: string;
  stage: string;
  role: string;
  /** Digest of the manifest document (its layer). */
  digest: string;
  manifest: DataManifest;
}

/**
 * The data manifests attached to `subjectDigest`: those of the newest artifact (the last one
 * listed), each checked against its digest and validated.
 * @returns undefined when no artifact is attached.
 * @throws RegistryError on registry failures; ConfigError when a layer is not a valid manifest.
 */
export async function readAttachedManifests(client: RegistryClient, repository: string, subjectDigest: string): Promise<{ artifact: string; via: ReferrersVia; manifests: AttachedManifest[] } | undefined> {
  const found = await findDataArtifacts(client, repository, subjectDigest);
  const artifact = found.digests.at(-1);
  if (!artifact) return undefined;
  const m = JSON.parse((await client.getManifest(repository, artifact)).bytes.toString('utf8')) as { subject?: { digest?: string }; layers?: Array<{ digest: string; mediaType: string; annotations?: Record<string, string> }> };
  if (m.subject?.digest !== subjectDigest) throw new RegistryError({ registry: client.registry, repository, operation: `read data manifests of ${subjectDigest}`, detail: `artifact ${artifact} names another subject`, retryable: false });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dataops-data-'));
  try {
    const out: AttachedManifest[] = [];
    for (const [i, layer] of (m.layers ?? []).entries()) {
      if (layer.mediaType !== DATA_MANIFEST_MEDIA_TYPE) continue;
      const file = path.join(dir, `${i}.json`);
      await client.downloadBlob(repository, layer.digest, file);
      const a = layer.annotations ?? {};
      out.push({ dataset: a[ANNOTATIONS.dataset] ?? '', stage: a[ANNOTATIONS.stage] ?? '', role: a[ANNOTATIONS.role] ?? '', digest: layer.digest, manifest: parseManifest(await readFile(file, 'utf8'), `${artifact} layer ${i}`) });
    }
    return { artifact, via: found.via, manifests: out };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
