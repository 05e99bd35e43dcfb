/**
 * Pushing an image from an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`, OCI
 * image-spec "Image Layout") to one or more registry repositories, by digest.
 *
 * Order, and why there are no partial tags: (1) every destination receives its blobs and the
 * manifest PUT by digest, then answers `HEAD /v2/<name>/manifests/<digest>` with the same
 * `Docker-Content-Digest`; (2) only when all destinations passed (1) are tags written. A
 * destination failing in (1) (after its retries) therefore leaves no tag anywhere: untagged blobs
 * and manifests are invisible to tag users and garbage-collected by the registry. A failure during
 * (2) rolls back the tags written so far (see {@link applyTags}).
 */
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { sha256 } from '../hash.ts';
import { digestRef, isDigest, parseImageRef, type ImageRef } from '../image/ref.ts';
import type { RetryPolicy } from '../retry.ts';
import { mediaTypeOf, RegistryClient, type RegistryClientOptions, type RegistryCredentials } from './client.ts';
import { applyTags, parseManifest, putImage, type BlobSource, type Descriptor, type ImageNode, type TransferProgress, type TransferStats } from './transfer.ts';

/** Credentials per registry host, or one function answering for any host. */
export type RegistryAuth = Record<string, RegistryCredentials> | ((registry: string) => RegistryCredentials | undefined);

/** Options of {@link pushImage}. */
export interface PushOptions {
  /** OCI image layout directory holding `digest`. */
  layoutDir: string;
  /** `sha256:…` of the manifest (or index) to push. */
  digest: string;
  /** `registry/repository` destinations, without tag or digest. */
  destinations: string[];
  /** Tags written after every destination serves the digest. */
  tags?: string[];
  auth?: RegistryAuth;
  /** Per-request retry policy; `budgetMs` is the total budget for retries of the whole push (default 300 s). */
  retry?: RetryPolicy;
  /** Total timeout of the whole push in ms (default 3 600 000): the request in flight then is aborted and the push fails naming it. */
  timeoutMs?: number;
  /** Timeout of one HTTP exchange in ms (default 300 000); a timed-out request is retried. */
  requestTimeoutMs?: number;
  /** PEM file of CA certificates trusted for HTTPS registries (a private CA). */
  caFile?: string;
  /** Plain HTTP for every destination (default: none; loopback hosts are probed for TLS first). Or the list of hosts to reach over HTTP. */
  insecure?: boolean | string[];
  /** Blob transfers in parallel per destination (default 3). */
  concurrency?: number;
  /** Upload tuning for tests: chunked above this size. */
  chunkThreshold?: number;
  chunkSize?: number;
  onProgress?: (p: TransferProgress) => void;
}

/** Result of {@link pushImage}. */
export interface PushResult {
  /** `registry/repository@sha256:…`, one per destination, in order. */
  refs: string[];
  digest: string;
  /** `registry/repository:tag` that point at the digest, each read back (HEAD) after it was written. */
  taggedRefs: string[];
  uploadedBytes: number;
  uploadedBlobs: number;
  skippedBlobs: number;
  mountedBlobs: number;
}

/** Bytes as `850 B` / `1.2 kB` / `75.4 MB` / `1.25 GB` (binary multiples). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

/** Credentials for `registry` from {@link RegistryAuth}. */
export function credentialsFor(auth: RegistryAuth | undefined, registry: string): RegistryCredentials | undefined {
  if (!auth) return undefined;
  return typeof auth === 'function' ? auth(registry) : auth[registry];
}

/** Settings every client of one push or copy shares. */
export interface AccessOptions {
  auth?: RegistryAuth | undefined;
  insecure?: boolean | string[] | undefined;
  retry?: RetryPolicy | undefined;
  timeoutMs?: number | undefined;
  requestTimeoutMs?: number | undefined;
  caFile?: string | undefined;
}

/** When retries stop (the retry budget) and when the whole operation is aborted (the total timeout), from now. */
export function operationLimits(opts: AccessOptions, defaultTimeoutMs = 3_600_000): { deadline: number; timeout: { at: number; ms: number } } {
  const now = Date.now();
  const ms = opts.timeoutMs ?? defaultTimeoutMs;
  return { deadline: now + (opts.retry?.budgetMs ?? 300_000), timeout: { at: now + ms, ms } };
}

/** {@link RegistryClient} options for `registry` under `opts`. */
export function clientOptions(registry: string, opts: AccessOptions, limits: ReturnType<typeof operationLimits>): RegistryClientOptions {
  const insecure = insecureFor(opts.insecure, registry);
  const credentials = credentialsFor(opts.auth, registry);
  return {
    registry,
    retry: { attempts: 8, ...opts.retry },
    deadline: limits.deadline,
    timeout: limits.timeout,
    ...(opts.requestTimeoutMs ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
    ...(opts.caFile ? { caFile: opts.caFile } : {}),
    ...(insecure !== undefined ? { insecure } : {}),
    ...(credentials ? { credentials } : {}),
  };
}

/** Whether `registry` is reached over plain HTTP under `insecure`. */
export function insecureFor(insecure: boolean | string[] | undefined, registry: string): boolean | undefined {
  if (Array.isArray(insecure)) return insecure.includes(registry) ? true : undefined;
  return insecure || undefined;
}

/**
 * Parses a `registry/repository` destination.
 * @throws ConfigError for a tag or digest in it, or a malformed name.
 */
export function parseDestination(value: string, field = 'destinations'): ImageRef {
  const ref = parseImageRef(value, field);
  if (ref.tag || ref.digest) {
    throw new ConfigError(`destination "${value}" names a ${ref.digest ? 'digest' : 'tag'}`, { location: { field }, fix: 'Give registry/repository only; put tags in "tags" (the digest is the image pushed).' });
  }
  return ref;
}

function blobPath(layoutDir: string, digest: string): string {
  return path.join(layoutDir, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

/**
 * Reads `digest` and everything it references from an OCI image layout, checking the manifests'
 * digests and the blobs' presence and sizes.
 * @throws ConfigError when the layout is missing, does not hold the digest, or is inconsistent.
 */
export async function readLayoutImage(layoutDir: string, digest: string): Promise<ImageNode> {
  const where = { field: 'layout-dir' };
  try {
    JSON.parse(await readFile(path.join(layoutDir, 'oci-layout'), 'utf8'));
  } catch (err) {
    throw new ConfigError(`${layoutDir} is not an OCI image layout (no readable oci-layout file)`, { location: where, fix: 'Pass the layout directory written by build-image (its "metadata" output names it).', cause: err });
  }
  const load = async (desc: { digest: string; mediaType?: string }): Promise<ImageNode> => {
    let bytes: Buffer;
    try {
      bytes = await readFile(blobPath(layoutDir, desc.digest));
    } catch (err) {
      let listed = '';
      try {
        const index = JSON.parse(await readFile(path.join(layoutDir, 'index.json'), 'utf8')) as { manifests?: Descriptor[] };
        listed = ` (index.json lists ${(index.manifests ?? []).map((m) => m.digest).join(', ') || 'nothing'})`;
      } catch {
        // no index.json either: the message already says what is missing
      }
      throw new ConfigError(`the layout ${layoutDir} does not hold ${desc.digest}${listed}`, { location: where, fix: 'Pass the digest the build produced for this layout.', cause: err });
    }
    const got = sha256(bytes);
    if (got !== desc.digest) throw new ConfigError(`blob ${desc.digest} in ${layoutDir} has digest ${got}: the layout is corrupt`, { location: where, fix: 'Rebuild the image.' });
    const mediaType = mediaTypeOf(bytes);
    const { blobs, manifests } = parseManifest(bytes, mediaType, `manifest ${desc.digest} in ${layoutDir}`);
    for (const b of blobs) {
      const s = await stat(blobPath(layoutDir, b.digest)).catch(() => undefined);
      if (!s) throw new ConfigError(`the layout ${layoutDir} lacks blob ${b.digest} referenced by ${desc.digest}`, { location: where, fix: 'Rebuild the image into a fresh layout.' });
      if (s.size !== b.size) throw new ConfigError(`blob ${b.digest} in ${layoutDir} has ${s.size} bytes, the manifest says ${b.size}`, { location: where, fix: 'Rebuild the image.' });
    }
    const children: ImageNode[] = [];
    for (const m of manifests) children.push(await load(m));
    return { digest: desc.digest, mediaType, bytes, blobs, children };
  };
  return load({ digest });
}

/** Blob source reading from the layout's `blobs/sha256/` files. */
export function layoutBlobSource(layoutDir: string): BlobSource {
  return {
    open(desc) {
      return Promise.resolve(async (offset: number, length: number) => {
        const fh = await open(blobPath(layoutDir, desc.digest), 'r');
        try {
          const buf = Buffer.alloc(length);
          let done = 0;
          while (done < length) {
            const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
            if (bytesRead === 0) break;
            done += bytesRead;
          }
          return buf.subarray(0, done);
        } finally {
          await fh.close();
        }
      });
    },
  };
}

/**
 * Pushes `digest` from `layoutDir` to every destination, then applies `tags` (see the module doc
 * for the no-partial-tags order).
 * @throws ConfigError for a malformed digest/destination or a bad layout; RegistryError (naming
 * registry, repository, operation, status) when a registry request fails after its retries.
 */
export async function pushImage(opts: PushOptions): Promise<PushResult> {
  if (!isDigest(opts.digest)) throw new ConfigError(`"${opts.digest}" is not a digest`, { location: { field: 'digest' }, fix: 'Pass sha256:<64 hex> (the "digest" output of build-image); tags are not accepted here.' });
  if (opts.destinations.length === 0) throw new ConfigError('no destination to push to', { location: { field: 'destinations' }, fix: 'Name at least one registry/repository.' });
  const destinations = opts.destinations.map((d) => parseDestination(d));
  const tags = [...new Set(opts.tags ?? [])];
  for (const t of tags) parseImageRef(`x:${t}`, 'tags');
  const node = await readLayoutImage(opts.layoutDir, opts.digest);
  const limits = operationLimits(opts);
  const clients = new Map<string, RegistryClient>();
  const clientFor = (registry: string) => {
    let c = clients.get(registry);
    if (!c) {
      c = new RegistryClient({
        ...clientOptions(registry, opts, limits),
        ...(opts.chunkThreshold ? { chunkThreshold: opts.chunkThreshold } : {}),
        ...(opts.chunkSize ? { chunkSize: opts.chunkSize } : {}),
      });
      clients.set(registry, c);
    }
    return c;
  };
  const stats: TransferStats = { uploadedBytes: 0, uploadedBlobs: 0, skippedBlobs: 0, mountedBlobs: 0 };
  const source = layoutBlobSource(opts.layoutDir);
  const pushedRepos = new Map<string, string[]>();
  for (const dest of destinations) {
    const client = clientFor(dest.registry);
    await client.ping();
    // repositories of the same registry already done: mount instead of uploading again
    const mountFrom = pushedRepos.get(dest.registry) ?? [];
    await putImage(client, dest.repository, node, source, stats, { mountFrom, ...(opts.concurrency ? { concurrency: opts.concurrency } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    pushedRepos.set(dest.registry, [...mountFrom, dest.repository]);
  }
  const taggedRefs = await applyTags(
    destinations.map((d) => ({ client: clientFor(d.registry), repository: d.repository, node })),
    tags,
    opts.onProgress,
  );
  return {
    refs: destinations.map((d) => digestRef({ ...d, digest: node.digest })),
    digest: node.digest,
    taggedRefs,
    ...stats,
  };
}
