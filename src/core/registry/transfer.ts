/**
 * Moving one image (a manifest or an index and everything it references) into a repository, the
 * part shared by {@link pushImage} (source: an OCI image layout) and {@link copyImage} (source: another
 * registry): blobs the destination has are skipped, blobs of another repository of the same registry
 * are mounted, the rest uploaded; children before parents; the manifest is PUT by digest and read
 * back by HEAD before anyone may tag it. Tagging is a separate, last step ({@link applyTags}).
 */
import { ConfigError } from '../errors.ts';
import { MEDIA_TYPES, RegistryError, type BlobReader, type RegistryClient } from './client.ts';

/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
}

/** A manifest (image or index) with the exact bytes to PUT, its blobs and, for an index, its child manifests. */
export interface ImageNode {
  digest: string;
  mediaType: string;
  bytes: Buffer;
  /** Config and layers of an image manifest (empty for an index). */
  blobs: Descriptor[];
  /** Child manifests of an index. */
  children: ImageNode[];
}

/** Where blob bytes come from. `open` may stage the blob (download it); `close` releases it. */
export interface BlobSource {
  open(desc: Descriptor): Promise<BlobReader>;
  close?(desc: Descriptor): Promise<void>;
}

/** Counters of one transfer. */
export interface TransferStats {
  /** Blob bytes sent (layers and configs; manifests are not counted). */
  uploadedBytes: number;
  uploadedBlobs: number;
  /** Blobs the destination already held (HEAD answered 200). */
  skippedBlobs: number;
  /** Blobs mounted from another repository of the same registry. */
  mountedBlobs: number;
}

/** Progress events. */
export interface TransferProgress {
  destination: string;
  kind: 'blob' | 'manifest' | 'tag';
  digest: string;
  /** skipped | mounted | uploaded | pushed | verified | tagged */
  action: string;
  bytes?: number;
  tag?: string;
}

/** True for an index (multi-platform) media type. */
export function isIndex(mediaType: string): boolean {
  return mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerList;
}

/**
 * Parses a manifest's bytes into its descriptors.
 * @throws ConfigError when the JSON is not an image manifest or index.
 */
export function parseManifest(bytes: Buffer, mediaType: string, where: string): { blobs: Descriptor[]; manifests: Descriptor[] } {
  let json: { config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] };
  try {
    json = JSON.parse(bytes.toString('utf8')) as typeof json;
  } catch (err) {
    throw new ConfigError(`${where} is not JSON`, { cause: err });
  }
  if (isIndex(mediaType)) return { blobs: [], manifests: json.manifests ?? [] };
  if (!json.config || !Array.isArray(json.layers)) throw new ConfigError(`${where} (${mediaType}) has no config and layers; it is not an image manifest`);
  // foreign layers (with urls) are not stored in registries: never upload them
  return { blobs: [json.config, ...json.layers.filter((l) => !l.urls?.length)], manifests: [] };
}

/**
 * Runs `fn` over `items` with at most `limit` at a time. After a failure no new item starts, and
 * the first error is thrown only once the running ones have settled (nothing keeps running behind
 * the caller's back).
 */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (!failure && next < items.length) {
      try {
        await fn(items[next++]!);
      } catch (err) {
        failure ??= { err };
      }
    }
  });
  await Promise.all(workers);
  if (failure) throw failure.err;
}

/** Options of {@link putImage}. */
export interface PutImageOptions {
  /** Repositories of the same registry that hold (or may hold) the blobs: tried as mount sources. */
  mountFrom?: string[];
  /** Parallel blob transfers (default 3). */
  concurrency?: number;
  onProgress?: (p: TransferProgress) => void;
}

/**
 * Makes `repository` hold `node` by digest: blobs (skip / mount / upload), children, then
 * `PUT manifests/<digest>` and a `HEAD manifests/<digest>` whose `Docker-Content-Digest` must match.
 * No tag is written.
 * @throws RegistryError when a request fails after its retries or the read-back does not match.
 */
export async function putImage(client: RegistryClient, repository: string, node: ImageNode, source: BlobSource, stats: TransferStats, options: PutImageOptions = {}): Promise<void> {
  const destination = `${client.registry}/${repository}`;
  const seen = new Set<string>();
  const visit = async (n: ImageNode): Promise<void> => {
    for (const child of n.children) await visit(child);
    const blobs = n.blobs.filter((b) => !seen.has(b.digest) && seen.add(b.digest));
    await pool(blobs, options.concurrency ?? 3, async (desc) => {
      if (await client.hasBlob(repository, desc.digest)) {
        stats.skippedBlobs++;
        options.onProgress?.({ destination, kind: 'blob', digest: desc.digest, action: 'skipped' });
        return;
      }
      for (const from of options.mountFrom ?? []) {
        if (from !== repository && (await client.mountBlob(repository, desc.digest, from))) {
          stats.mountedBlobs++;
          options.onProgress?.({ destination, kind: 'blob', digest: desc.digest, action: 'mounted' });
          return;
        }
      }
      const read = await source.open(desc);
      try {
        await client.uploadBlob(repository, desc.digest, desc.size, read);
      } finally {
        await source.close?.(desc);
      }
      stats.uploadedBytes += desc.size;
      stats.uploadedBlobs++;
      options.onProgress?.({ destination, kind: 'blob', digest: desc.digest, action: 'uploaded', bytes: desc.size });
    });
    await client.putManifest(repository, n.digest, { bytes: n.bytes, mediaType: n.mediaType });
    options.onProgress?.({ destination, kind: 'manifest', digest: n.digest, action: 'pushed' });
  };
  await visit(node);
  await verifyDigest(client, repository, node.digest);
  options.onProgress?.({ destination, kind: 'manifest', digest: node.digest, action: 'verified' });
}

/**
 * `HEAD /v2/<name>/manifests/<digest>` must answer 200 with `Docker-Content-Digest: <digest>`.
 * @throws RegistryError otherwise.
 */
export async function verifyDigest(client: RegistryClient, repository: string, digest: string): Promise<void> {
  const head = await client.headManifest(repository, digest);
  if (!head || (head.digest !== undefined && head.digest !== digest)) {
    throw new RegistryError({
      registry: client.registry,
      repository,
      operation: `verify manifest ${digest}`,
      detail: head ? `the registry serves digest ${head.digest}` : 'the registry does not serve the manifest just pushed',
      retryable: false,
    });
  }
}

/** One destination of {@link applyTags}. */
export interface TagTarget {
  client: RegistryClient;
  repository: string;
  node: ImageNode;
}

/** Where a tag points, by HEAD (undefined: absent, or unknown when `error` is set). */
async function tagDigest(target: TagTarget, tag: string): Promise<{ digest: string | undefined; error?: string }> {
  try {
    const head = await target.client.headManifest(target.repository, tag);
    if (!head) return { digest: undefined };
    return { digest: head.digest ?? (await target.client.getManifest(target.repository, tag)).digest };
  } catch (err) {
    return { digest: undefined, error: err instanceof Error ? err.message : String(err) };
  }
}

const short = (digest: string | undefined) => (digest ? `${digest.slice(0, 19)}…` : 'absent');

/**
 * Points `tags` at the node in every target. Call it only after {@link putImage} succeeded for
 * every target: that is what makes "no partial tags" hold when a destination fails before tagging.
 * Each tag is read back (`HEAD manifests/<tag>`) after its PUT, whatever the PUT answered: a tag
 * counts as written only when the registry serves the verified digest under it. When a tag cannot
 * be written and verified, every tag this call touched — the failing one included, since its PUT
 * may have landed although it was answered with an error — is rolled back (re-pointed at what it
 * named before, or deleted where the registry allows it), the outcome is read back again, and the
 * error names each tag: rolled back, or left and where it points.
 * @returns `registry/repository:tag` of every tag that points at the digest now.
 * @throws RegistryError from the failed tag (its message extended with the tags' final state).
 */
export async function applyTags(targets: TagTarget[], tags: string[], onProgress?: (p: TransferProgress) => void): Promise<string[]> {
  if (tags.length === 0) return [];
  const touched: Array<{ target: TagTarget; tag: string; previous: { bytes: Buffer; mediaType: string; digest: string } | undefined }> = [];
  const done: string[] = [];
  const untouched: string[] = [];
  const refOf = (target: TagTarget, tag: string) => `${target.client.registry}/${target.repository}:${tag}`;
  try {
    for (const target of targets) {
      for (const tag of tags) {
        const before = await target.client.headManifest(target.repository, tag);
        if (before?.digest === target.node.digest) {
          done.push(refOf(target, tag));
          untouched.push(refOf(target, tag));
          continue;
        }
        const previous = before ? await target.client.getManifest(target.repository, tag) : undefined;
        touched.push({ target, tag, previous });
        let putError: Error | undefined;
        await target.client.putManifest(target.repository, tag, { bytes: target.node.bytes, mediaType: target.node.mediaType }).catch((err: unknown) => (putError = err instanceof Error ? err : new Error(String(err))));
        const now = await tagDigest(target, tag);
        if (putError) throw putError;
        if (now.digest !== target.node.digest) {
          throw new RegistryError({ registry: target.client.registry, repository: target.repository, operation: `verify tag ${tag}`, detail: now.error ? `the tag could not be read back: ${now.error}` : `after the PUT the tag points at ${now.digest ?? 'nothing'}, not the verified digest ${target.node.digest}`, retryable: false });
        }
        done.push(refOf(target, tag));
        onProgress?.({ destination: `${target.client.registry}/${target.repository}`, kind: 'tag', digest: target.node.digest, action: 'tagged', tag });
      }
    }
    return done;
  } catch (err) {
    const rolledBack: string[] = [];
    const left: string[] = [];
    for (const t of touched.reverse()) {
      const ref = refOf(t.target, t.tag);
      let why = '';
      try {
        if (t.previous) await t.target.client.putManifest(t.target.repository, t.tag, t.previous);
        else if (!(await t.target.client.deleteManifest(t.target.repository, t.tag))) why = 'the registry does not delete tags';
      } catch (e) {
        why = e instanceof Error ? e.message : String(e);
      }
      // what counts is where the tag points now, not what the rollback request answered
      const now = await tagDigest(t.target, t.tag);
      const restored = now.error === undefined && now.digest === t.previous?.digest;
      if (restored) rolledBack.push(`${ref} (${t.previous ? `points at ${short(t.previous.digest)} again` : 'absent, as before'})`);
      else left.push(`${ref} → ${now.error ? `unknown (${now.error})` : now.digest === t.target.node.digest ? `${short(now.digest)} (the verified digest${why ? `; not rolled back: ${why}` : ''})` : `${short(now.digest)}${why ? ` (not rolled back: ${why})` : ''}`}`);
    }
    if (err instanceof Error) {
      const parts: string[] = [];
      if (untouched.length) parts.push(`already pointing at the digest before (untouched): ${untouched.join(', ')}`);
      if (rolledBack.length) parts.push(`rolled back: ${rolledBack.join(', ')}`);
      if (left.length) parts.push(`left in place: ${left.join(', ')}`);
      if (parts.length) err.message += `; ${parts.join('; ')}`;
    }
    throw err;
  }
}
