/**
 * Registry-to-registry copy of one digest (promotion: staging repository → production), plus
 * digest look-ups. Within one registry, blobs are mounted across repositories
 * (`POST …/blobs/uploads/?mount=&from=`); across registries they are downloaded to a temp file,
 * checked against their digest and uploaded. The manifest bytes are copied unchanged, so the
 * destination serves the same digest; it is read back before tags are written.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { digestRef, parseImageRef, requireDigestRef } from '../image/ref.ts';
import type { RetryPolicy } from '../retry.ts';
import { RegistryClient, RegistryError, type ManifestHead } from './client.ts';
import { clientOptions, layoutBlobSource, operationLimits, parseDestination, type RegistryAuth } from './push.ts';
import { applyTags, parseManifest, putImage, type BlobSource, type ImageNode, type TransferProgress, type TransferStats } from './transfer.ts';

/** Options shared by the look-ups and the copy. */
export interface RegistryAccess {
  auth?: RegistryAuth;
  /** Plain HTTP for every registry, or for the hosts listed (default: none; loopback hosts are probed for TLS first). */
  insecure?: boolean | string[];
  /** Per-request retry policy; `budgetMs` is the total budget for retries of the operation (default 300 s). */
  retry?: RetryPolicy;
  /** Total timeout of the operation in ms: the request in flight then is aborted (default: 1 h for a copy, the retry budget for a look-up). */
  timeoutMs?: number;
  /** Timeout of one HTTP exchange in ms (default 300 000). */
  requestTimeoutMs?: number;
  /** PEM file of CA certificates trusted for HTTPS registries. */
  caFile?: string;
}

/** Options of {@link copyImage}. */
export interface CopyOptions extends RegistryAccess {
  /** `registry/repository@sha256:…` (a tag-only reference is refused). */
  source: string;
  /** `registry/repository`, without tag or digest. */
  destination: string;
  /** Tags written at the destination after the digest is verified there. */
  tags?: string[];
  onProgress?: (p: TransferProgress) => void;
}

/** Result of {@link copyImage}. */
export interface CopyResult {
  /** `registry/repository@sha256:…` at the destination (same digest as the source). */
  ref: string;
  /** `registry/repository:tag` pointing at the digest, each read back after it was written. */
  taggedRefs: string[];
  mountedBlobs: number;
  skippedBlobs: number;
  uploadedBytes: number;
}

function clientOf(registry: string, access: RegistryAccess, limits: ReturnType<typeof operationLimits>): RegistryClient {
  return new RegistryClient(clientOptions(registry, access, limits));
}

/** Reads a manifest tree (index children included) from a registry, digests checked. */
async function readRemoteImage(client: RegistryClient, repository: string, digest: string): Promise<ImageNode> {
  const m = await client.getManifest(repository, digest);
  const { blobs, manifests } = parseManifest(m.bytes, m.mediaType, `manifest ${digest} in ${client.registry}/${repository}`);
  const children: ImageNode[] = [];
  for (const child of manifests) children.push(await readRemoteImage(client, repository, child.digest));
  return { digest, mediaType: m.mediaType, bytes: m.bytes, blobs, children };
}

/** Blob source downloading each blob from the source registry into a temp directory first. */
function remoteBlobSource(client: RegistryClient, repository: string, dir: string): BlobSource {
  const files = layoutBlobSource(dir);
  return {
    async open(desc) {
      await client.downloadBlob(repository, desc.digest, path.join(dir, 'blobs', 'sha256', desc.digest.slice(7)));
      return files.open(desc);
    },
    async close(desc) {
      await rm(path.join(dir, 'blobs', 'sha256', desc.digest.slice(7)), { force: true });
    },
  };
}

/**
 * Copies `source` (by digest) to `destination`, then applies `tags` there.
 * @throws ConfigError for a tag-only source or a destination with a tag/digest; RegistryError
 * when a request fails after its retries or the destination does not serve the digest afterwards.
 */
export async function copyImage(opts: CopyOptions): Promise<CopyResult> {
  const src = requireDigestRef(opts.source, 'source');
  const dst = parseDestination(opts.destination, 'destination');
  for (const t of opts.tags ?? []) parseImageRef(`x:${t}`, 'tags');
  const limits = operationLimits(opts);
  const from = clientOf(src.registry, opts, limits);
  const to = src.registry === dst.registry ? from : clientOf(dst.registry, opts, limits);
  const node = await readRemoteImage(from, src.repository, src.digest);
  const stats: TransferStats = { uploadedBytes: 0, uploadedBlobs: 0, skippedBlobs: 0, mountedBlobs: 0 };
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dataops-copy-'));
  try {
    await mkdir(path.join(tmp, 'blobs', 'sha256'), { recursive: true });
    await putImage(to, dst.repository, node, remoteBlobSource(from, src.repository, tmp), stats, {
      ...(src.registry === dst.registry ? { mountFrom: [src.repository] } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const taggedRefs = await applyTags([{ client: to, repository: dst.repository, node }], [...new Set(opts.tags ?? [])], opts.onProgress);
  return { ref: digestRef({ ...dst, digest: node.digest }), taggedRefs, mountedBlobs: stats.mountedBlobs, skippedBlobs: stats.skippedBlobs, uploadedBytes: stats.uploadedBytes };
}

/**
 * Digest a reference resolves to now (`HEAD manifests/<tag|digest>`). For a digest reference this
 * checks that the registry serves it.
 * @throws RegistryError when the registry does not know the reference.
 */
export async function resolveDigest(ref: string, access: RegistryAccess = {}): Promise<string> {
  const r = parseImageRef(ref);
  const reference = r.digest ?? r.tag ?? 'latest';
  const client = clientOf(r.registry, access, operationLimits({ ...access, retry: { budgetMs: 60_000, ...access.retry } }, access.timeoutMs ?? access.retry?.budgetMs ?? 60_000));
  const head = await client.headManifest(r.repository, reference);
  if (!head) throw new RegistryError({ registry: r.registry, repository: r.repository, operation: `resolve ${reference}`, status: 404, code: 'MANIFEST_UNKNOWN', retryable: false });
  const digest = head.digest ?? (await client.getManifest(r.repository, reference)).digest;
  if (r.digest && digest !== r.digest) throw new RegistryError({ registry: r.registry, repository: r.repository, operation: `resolve ${reference}`, detail: `the registry serves ${digest}`, retryable: false });
  return digest;
}

/**
 * True when the registry serves `ref` (which must name a digest) with that digest.
 * @throws ConfigError for a tag-only reference; RegistryError for failures other than "not found".
 */
export async function manifestExists(ref: string, access: RegistryAccess = {}): Promise<boolean> {
  const r = requireDigestRef(ref);
  const client = clientOf(r.registry, access, operationLimits({ ...access, retry: { budgetMs: 60_000, ...access.retry } }, access.timeoutMs ?? access.retry?.budgetMs ?? 60_000));
  const head: ManifestHead | undefined = await client.headManifest(r.repository, r.digest);
  return head !== undefined && (head.digest === undefined || head.digest === r.digest);
}

