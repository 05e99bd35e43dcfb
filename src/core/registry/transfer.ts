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

/**
 * Points `tags` at the node in every target. Call it only after {@link putImage} succeeded for
 * every target: that is what makes "no partial tags" hold when a destination fails before tagging.
 * If a tag PUT itself fails after its retries, tags written by this call are rolled back (re-pointed
 * at what they named before, or deleted where the registry allows it) before the error is re-thrown.
 * @throws RegistryError from the failed tag PUT (with the rollback outcome appended).
 */
export async function applyTags(targets: TagTarget[], tags: string[], onProgress?: (p: TransferProgress) => void): Promise<void> {
  if (tags.length === 0) return;
  const written: Array<{ target: TagTarget; tag: string; previous: { bytes: Buffer; mediaType: string } | undefined }> = [];
  try {
    for (const target of targets) {
      for (const tag of tags) {
        const head = await target.client.headManifest(target.repository, tag);
        if (head?.digest === target.node.digest) continue;
        const previous = head ? await target.client.getManifest(target.repository, tag) : undefined;
        await target.client.putManifest(target.repository, tag, { bytes: target.node.bytes, mediaType: target.node.mediaType });
        written.push({ target, tag, previous });
        onProgress?.({ destination: `${target.client.registry}/${target.repository}`, kind: 'tag', digest: target.node.digest, action: 'tagged', tag });
      }
    }
  } catch (err) {
    const left: string[] = [];
    for (const w of written.reverse()) {
      try {
        if (w.previous) await w.target.client.putManifest(w.target.repository, w.tag, w.previous);
        else if (!(await w.target.client.deleteManifest(w.target.repository, w.tag))) left.push(`${w.target.client.registry}/${w.target.repository}:${w.tag}`);
      } catch {
        left.push(`${w.target.client.registry}/${w.target.repository}:${w.tag}`);
      }
    }
    if (err instanceof Error && written.length > 0) {
      err.message += left.length ? `; tags already written could not be rolled back: ${left.join(', ')}` : `; the ${written.length} tag(s) already written were rolled back`;
    }
    throw err;
  }
}
