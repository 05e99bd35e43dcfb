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
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, ConfigErrors } from '../errors.ts';
import { sha256 } from '../hash.ts';
import { MEDIA_TYPES, RegistryError, type RegistryClient } from '../registry/client.ts';
import { formatPath } from '../yaml.ts';
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

/**
 * Largest document read back from a registry for data manifests, in bytes: the fallback index, the
 * artifact manifest and each data-manifest layer. 4 MiB, the limit the OCI distribution spec lets
 * registries set on manifests (a manifest of a 1,000-column dataset is about 300 KB). A larger
 * one is refused unread (its announced size first, then while streaming).
 */
export const MAX_READ_BACK_BYTES = 4 << 20;

const digestSchema = z.string().regex(/^sha256:[a-f0-9]{64}$/, 'expected sha256:<64 lower-case hex>');
const descriptorSchema = z.looseObject({ mediaType: z.string(), digest: digestSchema, size: z.number().int().min(0), annotations: z.record(z.string(), z.string()).optional() });
/** The fallback index (tag `sha256-<hex>`): an OCI image index. */
const indexSchema = z.looseObject({ schemaVersion: z.literal(2), manifests: z.array(z.looseObject({ digest: z.unknown(), artifactType: z.unknown().optional() })) });
/** The data-manifest artifact as {@link attachManifests} writes it. */
const artifactSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.literal(MEDIA_TYPES.ociManifest),
  artifactType: z.literal(DATA_ARTIFACT_TYPE),
  subject: descriptorSchema,
  layers: z.array(descriptorSchema.extend({ mediaType: z.literal(DATA_MANIFEST_MEDIA_TYPE), size: z.number().int().min(0).max(MAX_READ_BACK_BYTES, `larger than the read-back limit of ${MAX_READ_BACK_BYTES} bytes`) })),
});

const READ_BACK_FIX = 'The registry holds a data-manifest artifact dataops-actions did not write (or damaged): push the image again and attach its manifests (`dataops push`).';

/** A read-back document that is not what we wrote: one line naming it and the field, never its values. */
function readBackError(where: string, field: string | undefined, problem: string): ConfigError {
  return new ConfigError(problem, { location: { file: where, ...(field ? { field } : {}) }, fix: READ_BACK_FIX });
}

/** `text` parsed as JSON and validated by `schema`; @throws ConfigError naming `where` and the first bad field. */
function parseReadBack<T>(bytes: Uint8Array, where: string, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw readBackError(where, undefined, 'not JSON');
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problems)` : '';
  throw readBackError(where, formatPath(issue.path.filter((x): x is string | number => typeof x !== 'symbol')) || undefined, `${issue.message}${more}`);
}

/** Registry failures that are the content's fault (too large, not the digest it is named by) as ConfigErrors naming it; others unchanged. */
async function content<T>(where: string, field: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof RegistryError && err.code === 'SIZE_LIMIT') throw readBackError(where, field, `larger than the read-back limit of ${MAX_READ_BACK_BYTES} bytes; not read`);
    if (err instanceof RegistryError && err.code === 'MALFORMED') throw readBackError(where, field, /\(([^()]*)\)$/.exec(err.message)?.[1] ?? 'malformed');
    if (err instanceof RegistryError && (err.code === 'DIGEST_MISMATCH' || /served bytes with digest/.test(err.message))) throw readBackError(where, field, 'the content the registry serves does not match its digest');
    throw err;
  }
}

/** Descriptors of the data-manifest artifacts whose subject is `subjectDigest` (referrers API, else the fallback tag), newest last. @throws ConfigError when the referrers answer or the fallback index is too large or malformed. */
export async function findDataArtifacts(client: RegistryClient, repository: string, subjectDigest: string): Promise<{ via: ReferrersVia; digests: string[] }> {
  const api = await content(`${client.registry}/${repository} referrers of ${subjectDigest}`, 'manifests', () => client.getReferrers(repository, subjectDigest, DATA_ARTIFACT_TYPE, { maxBytes: MAX_READ_BACK_BYTES }));
  if (api) return { via: 'referrers', digests: api.manifests.filter((m) => m.artifactType === DATA_ARTIFACT_TYPE).map((m) => String(m.digest)) };
  const tag = referrersTag(subjectDigest);
  if (!(await client.headManifest(repository, tag))) return { via: 'tag-schema', digests: [] };
  const where = `${client.registry}/${repository}:${tag}`;
  const index = parseReadBack((await content(where, 'manifests', () => client.getManifest(repository, tag, { maxBytes: MAX_READ_BACK_BYTES }))).bytes, where, indexSchema);
  return { via: 'tag-schema', digests: index.manifests.filter((m) => m.artifactType === DATA_ARTIFACT_TYPE).map((m) => String(m.digest)) };
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
 * listed), each checked against its digest and validated. Everything read back is hostile until
 * checked: each document is read up to {@link MAX_READ_BACK_BYTES}, must hash to its digest and
 * be what {@link attachManifests} writes (schemaVersion 2, the OCI manifest media type, our
 * artifactType, data-manifest layers, a valid version-1 data manifest in each: a PII column
 * carrying a value is refused, manifest.ts).
 * @returns undefined when no artifact is attached.
 * @throws RegistryError on registry failures; ConfigError, one line naming the artifact (or index)
 *   and the field, when a document is too large, does not match its digest or is not valid.
 */
export async function readAttachedManifests(client: RegistryClient, repository: string, subjectDigest: string): Promise<{ artifact: string; via: ReferrersVia; manifests: AttachedManifest[] } | undefined> {
  const found = await findDataArtifacts(client, repository, subjectDigest);
  const artifact = found.digests.at(-1);
  if (!artifact) return undefined;
  const where = `${client.registry}/${repository}@${artifact}`;
  if (!digestSchema.safeParse(artifact).success) throw readBackError(`${client.registry}/${repository}:${referrersTag(subjectDigest)}`, `manifests[${found.digests.length - 1}].digest`, 'not a sha256 digest');
  const m = parseReadBack((await content(where, 'manifest', () => client.getManifest(repository, artifact, { maxBytes: MAX_READ_BACK_BYTES }))).bytes, where, artifactSchema);
  if (m.subject.digest !== subjectDigest) throw readBackError(where, 'subject.digest', `names another image than ${subjectDigest}`);
  const out: AttachedManifest[] = [];
  for (const [i, layer] of m.layers.entries()) {
    const field = `layers[${i}]`;
    const bytes = await content(where, `${field}.digest`, () => client.getBlob(repository, layer.digest, MAX_READ_BACK_BYTES));
    let manifest: DataManifest;
    try {
      manifest = parseManifest(Buffer.from(bytes).toString('utf8'), `${where} ${field}`);
    } catch (err) {
      const first = err instanceof ConfigErrors ? (err.errors[0] ?? err) : err;
      const more = err instanceof ConfigErrors && err.errors.length > 1 ? ` (and ${err.errors.length - 1} more problems)` : '';
      if (first instanceof ConfigError) throw new ConfigError(`${first.message}${more}`, { location: first.location, preformatted: true });
      throw err;
    }
    const a = layer.annotations ?? {};
    out.push({ dataset: a[ANNOTATIONS.dataset] ?? '', stage: a[ANNOTATIONS.stage] ?? '', role: a[ANNOTATIONS.role] ?? '', digest: layer.digest, manifest });
  }
  return { artifact, via: found.via, manifests: out };
}
