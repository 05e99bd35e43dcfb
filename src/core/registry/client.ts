/**
 * OCI Distribution Spec (v1.1) client over fetch: ping, manifests (HEAD/GET/PUT/DELETE), blobs
 * (HEAD/GET, monolithic or chunked upload, cross-repository mount), tag listing, and the Docker
 * token authentication flow (`WWW-Authenticate: Bearer realm=…,service=…,scope=…`, or Basic).
 *
 * Every request has its own retries (src/core/retry.ts: exponential backoff with full jitter) on
 * 5xx, 408 and 429 (a `Retry-After` on 429/503 is honoured), connection resets and timeouts, bounded by the policy's
 * attempts and by one deadline shared by all requests of an operation (the total budget). Other 4xx
 * answers and TLS certificate errors are permanent. A per-request timeout and a total timeout
 * (which aborts the request in flight) bound every operation; the error says which one was hit.
 * Credentials are sent only to the registry's own origin (per-host auth, as docker does): an
 * upload `Location` or a redirect to another host or port gets none. Failures are
 * {@link RegistryError}s naming registry, repository, operation and status.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import tls from 'node:tls';
import { rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.ts';
import { sha256 } from '../hash.ts';
import { isRetryableNetworkError, isRetryableStatus, retry, RetryExhaustedError, type RetryPolicy } from '../retry.ts';

/** Manifest media types this client reads and writes. */
export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

/** `Accept` header for manifest reads: every type above (registries refuse to serve unlisted ones). */
export const MANIFEST_ACCEPT = Object.values(MEDIA_TYPES).join(', ');

/** Credentials for one registry: `username`/`password` (Basic, or exchanged at the token endpoint), or a ready bearer `token`. */
export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** A bearer token sent as is (no exchange). */
  token?: string;
  /** An OAuth2 refresh token (docker config `identitytoken`), exchanged at the token endpoint (`grant_type=refresh_token`). */
  identityToken?: string;
}

/**
 * Largest referrers answer read, in bytes: 4 MiB, the manifest size the OCI distribution spec lets
 * registries refuse above (the answer is an image index, a manifest). A larger one is refused unread.
 */
export const MAX_REFERRERS_BYTES = 4 << 20;

/** A failed registry operation. `status` is the HTTP status (absent for network errors); `code` the OCI error code (`MANIFEST_UNKNOWN`…). */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  readonly registry: string;
  readonly repository: string;
  readonly operation: string;
  readonly status: number | undefined;
  readonly code: string | undefined;
  /** Worth retrying (5xx, 408, 429, network). */
  readonly retryable: boolean;
  constructor(fields: { registry: string; repository: string; operation: string; status?: number; code?: string; detail?: string; retryable: boolean; attempts?: number }, options?: { cause?: unknown }) {
    const what = `registry ${fields.registry}${fields.repository ? `, repository ${fields.repository}` : ''}: ${fields.operation} failed`;
    const status = fields.status !== undefined ? `: HTTP ${fields.status}${fields.code ? ` ${fields.code}` : ''}` : '';
    const detail = fields.detail ? ` (${fields.detail})` : '';
    const attempts = fields.attempts && fields.attempts > 1 ? ` after ${fields.attempts} attempts` : '';
    super(`${what}${status}${detail}${attempts}`, options);
    this.registry = fields.registry;
    this.repository = fields.repository;
    this.operation = fields.operation;
    this.status = fields.status;
    this.code = fields.code;
    this.retryable = fields.retryable;
  }
}

/**
 * A downloaded blob whose bytes hash to another digest than the one asked for (damage in transit, a
 * misbehaving registry or proxy). Retried like a network error; reported as a RegistryError with
 * code DIGEST_MISMATCH naming both digests.
 */
export class DigestMismatchError extends Error {
  override readonly name = 'DigestMismatchError';
  readonly expected: string;
  readonly got: string;
  constructor(expected: string, got: string) {
    super(`the blob's content has digest ${got}, not the ${expected} that was asked for`);
    this.expected = expected;
    this.got = got;
  }
}

/** Options of {@link RegistryClient}. */
export interface RegistryClientOptions {
  /** Registry `host[:port]`. */
  registry: string;
  /**
   * Plain HTTP when true, HTTPS when false. Default: HTTPS, except for loopback hosts (127.0.0.1,
   * localhost, [::1]), which are probed: HTTPS when the registry speaks TLS there, else plain HTTP.
   */
  insecure?: boolean;
  /**
   * PEM file of CA certificates to trust for HTTPS (a registry with a private CA), added to the
   * process's default CAs as NODE_EXTRA_CA_CERTS would.
   */
  caFile?: string;
  credentials?: RegistryCredentials;
  /** Per-request retry policy (attempts, backoff). Its `budgetMs` is capped by `deadline`. */
  retry?: RetryPolicy;
  /** Epoch milliseconds after which no request is retried any more: the total budget of an operation. */
  deadline?: number;
  /** Abort one HTTP exchange after this many milliseconds (default 300 000); a timeout is retried. */
  requestTimeoutMs?: number;
  /**
   * Hard end of the whole operation: the request in flight when it passes is aborted and nothing
   * is retried. `ms` is the total timeout it came from (named in the error).
   */
  timeout?: { at: number; ms: number };
  /** Blobs larger than this are uploaded in PATCH chunks (default 32 MiB). */
  chunkThreshold?: number;
  /** Chunk size of chunked uploads (default 16 MiB). */
  chunkSize?: number;
  userAgent?: string;
}

/** What a manifest HEAD answers. */
export interface ManifestHead {
  digest: string | undefined;
  mediaType: string | undefined;
  size: number | undefined;
}

/** A manifest as stored: the exact bytes, their media type and digest. */
export interface ManifestBytes {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

/** Reads `length` bytes of a blob from `offset`. */
export type BlobReader = (offset: number, length: number) => Promise<Uint8Array>;

interface Prepared {
  url: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
}

interface RequestSpec<T> {
  method: string;
  operation: string;
  repository: string;
  /** Token scopes this request needs (`repository:<name>:pull[,push]`). */
  scopes: string[];
  /** Builds the request for an attempt (1-based). */
  prepare: (attempt: number) => Prepared | Promise<Prepared>;
  /** Statuses that count as success. */
  ok: number[];
  /** Reads a successful response (default: the body as bytes). */
  read?: (res: Response) => Promise<T>;
  /** Follow redirects (blob GETs are redirected to storage by some registries). */
  follow?: boolean;
}

interface Answer<T> {
  status: number;
  headers: Headers;
  value: T;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/;

/** True for loopback registry hosts, which Docker also treats as insecure by default. */
export function isLoopbackRegistry(host: string): boolean {
  return LOOPBACK.test(host);
}

/** Parses a `WWW-Authenticate` challenge: scheme and its parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const m = /^\s*(\w+)\s*(.*)$/.exec(header);
  const scheme = (m?.[1] ?? '').toLowerCase();
  const params: Record<string, string> = {};
  for (const p of (m?.[2] ?? '').matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[p[1]!.toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return { scheme, params };
}

/** Milliseconds asked by a `Retry-After` header (seconds or HTTP date), undefined when absent or malformed. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

/** The code of a TLS certificate verification failure anywhere in `err`'s cause chain; undefined for other errors. */
export function certificateError(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: string }).code;
    if (code && CERTIFICATE_CODES.has(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

const trusted = new Set<string>();

/**
 * Adds the CA certificates of a PEM file to the process's default trust store (Node's
 * `tls.setDefaultCACertificates`, the run-time form of NODE_EXTRA_CA_CERTS). Idempotent per file.
 * @throws ConfigError when the file cannot be read or holds no certificate.
 */
export function trustCaFile(file: string): void {
  if (trusted.has(file)) return;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the CA file ${file}`, { location: { field: 'ca-file' }, fix: 'Pass a PEM file with the certificate of the CA that issued the registry certificate.', cause: err });
  }
  const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (certs.length === 0) throw new ConfigError(`${file} holds no PEM certificate`, { location: { field: 'ca-file' }, fix: 'Pass a PEM file ("-----BEGIN CERTIFICATE-----").' });
  tls.setDefaultCACertificates([...new Set([...tls.getCACertificates('default'), ...certs])]);
  trusted.add(file);
}

const seconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`);

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** Client of one registry. Not tied to a repository: every call names it. */
export class RegistryClient {
  readonly registry: string;
  /** `https://host` or `http://host`; for a probed loopback host, settled by its first request. */
  baseUrl: string;
  private readonly credentials: RegistryCredentials | undefined;
  private readonly policy: RetryPolicy;
  private readonly deadline: number | undefined;
  private readonly requestTimeoutMs: number;
  readonly chunkThreshold: number;
  readonly chunkSize: number;
  private readonly userAgent: string;
  private readonly timeout: { at: number; ms: number } | undefined;
  /** Set while the scheme of a loopback host is not known yet. */
  private probe: Promise<void> | undefined;
  /** Authorization header values by scope key (`*` for Basic, which covers everything). Sent to this registry's origin only. */
  private readonly authCache = new Map<string, string>();

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    // Docker Hub's references say docker.io; its API answers at registry-1.docker.io
    const apiHost = options.registry === 'docker.io' || options.registry === 'index.docker.io' ? 'registry-1.docker.io' : options.registry;
    this.baseUrl = `${options.insecure ? 'http' : 'https'}://${apiHost}`;
    if (options.caFile) trustCaFile(options.caFile);
    this.timeout = options.timeout;
    this.credentials = options.credentials;
    this.policy = options.retry ?? {};
    this.deadline = options.deadline;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 300_000;
    this.chunkThreshold = options.chunkThreshold ?? 32 * 1024 * 1024;
    this.chunkSize = options.chunkSize ?? 16 * 1024 * 1024;
    this.userAgent = options.userAgent ?? 'dataops-actions';
    if (options.insecure === undefined && isLoopbackRegistry(options.registry)) this.probe = this.probeScheme(apiHost);
  }

  /** `GET /v2/`: the registry answers the distribution API (200, or 401 when it wants credentials). */
  async ping(): Promise<void> {
    await this.send({ method: 'GET', operation: 'ping (GET /v2/)', repository: '', scopes: [], prepare: () => ({ url: `${this.baseUrl}/v2/` }), ok: [200, 401] });
  }

  /** `HEAD /v2/<name>/manifests/<ref>`; undefined when the registry does not know it (404). */
  async headManifest(repository: string, reference: string): Promise<ManifestHead | undefined> {
    const a = await this.send({
      method: 'HEAD',
      operation: `HEAD manifest ${reference}`,
      repository,
      scopes: [pull(repository)],
      prepare: () => ({ url: this.url(repository, `manifests/${reference}`), headers: { accept: MANIFEST_ACCEPT } }),
      ok: [200, 404],
    });
    if (a.status === 404) return undefined;
    const len = a.headers.get('content-length');
    return { digest: a.headers.get('docker-content-digest') ?? undefined, mediaType: a.headers.get('content-type')?.split(';')[0] ?? undefined, size: len ? Number(len) : undefined };
  }

  /**
   * `GET /v2/<name>/manifests/<ref>`: the stored bytes. When `reference` is a digest, the bytes are checked against it.
   * With `maxBytes`, a body larger than that is not read past the limit.
   * @throws RegistryError (404 MANIFEST_UNKNOWN when absent, a digest mismatch, or code SIZE_LIMIT past `maxBytes`).
   */
  async getManifest(repository: string, reference: string, opts: { maxBytes?: number } = {}): Promise<ManifestBytes> {
    const operation = `GET manifest ${reference}`;
    const a = await this.send({
      method: 'GET',
      operation,
      repository,
      scopes: [pull(repository)],
      prepare: () => ({ url: this.url(repository, `manifests/${reference}`), headers: { accept: MANIFEST_ACCEPT } }),
      ok: [200],
      ...(opts.maxBytes !== undefined ? { read: (res: Response) => this.readLimited(res, opts.maxBytes!, repository, operation) } : {}),
    });
    const bytes = a.value;
    const digest = sha256(bytes);
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new RegistryError({ registry: this.registry, repository, operation: `GET manifest ${reference}`, detail: `the registry served bytes with digest ${digest}`, retryable: false });
    }
    const mediaType = a.headers.get('content-type')?.split(';')[0] || mediaTypeOf(bytes);
    return { bytes, mediaType, digest };
  }

  /**
   * `PUT /v2/<name>/manifests/<ref>` with the exact bytes and media type, so the registry serves the same digest.
   * @returns the digest the registry reports (`Docker-Content-Digest`), or the local one when it sends none.
   * @throws RegistryError when the registry refuses it or reports another digest.
   */
  async putManifest(repository: string, reference: string, manifest: { bytes: Uint8Array; mediaType: string }): Promise<string> {
    const operation = `PUT manifest ${reference}`;
    const a = await this.send({
      method: 'PUT',
      operation,
      repository,
      scopes: [push(repository)],
      prepare: () => ({ url: this.url(repository, `manifests/${reference}`), headers: { 'content-type': manifest.mediaType }, body: manifest.bytes }),
      ok: [200, 201, 202],
    });
    const local = sha256(manifest.bytes);
    const served = a.headers.get('docker-content-digest') ?? local;
    if (served !== local) throw new RegistryError({ registry: this.registry, repository, operation, detail: `the registry stored digest ${served}, expected ${local}`, retryable: false });
    return served;
  }

  /**
   * `GET /v2/<name>/referrers/<digest>[?artifactType=…]` (OCI distribution spec 1.1, "Listing
   * Referrers"): the image index of the manifests whose `subject` is `digest`, its `manifests`
   * descriptors as the registry lists them. The body is read up to `maxBytes` (default
   * {@link MAX_REFERRERS_BYTES}). Undefined when the registry has no referrers API (404, e.g.
   * docker-registry 2.8): use the referrers tag schema then.
   * @throws RegistryError: code SIZE_LIMIT for a body past `maxBytes` (not read further), code
   *   MALFORMED for a body that is not an image index (not JSON, `manifests` not a list of
   *   objects), and for other failures.
   */
  async getReferrers(repository: string, digest: string, artifactType?: string, opts: { maxBytes?: number } = {}): Promise<{ manifests: Array<Record<string, unknown>>; filtered: boolean } | undefined> {
    const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    const operation = `GET referrers ${digest}`;
    const a = await this.send({
      method: 'GET',
      operation,
      repository,
      scopes: [pull(repository)],
      prepare: () => ({ url: this.url(repository, `referrers/${digest}${query}`), headers: { accept: MEDIA_TYPES.ociIndex } }),
      ok: [200, 404],
      read: (res: Response) => this.readLimited(res, opts.maxBytes ?? MAX_REFERRERS_BYTES, repository, operation),
    });
    // a 404 with an index body is a registry that has the API and no referrer; other 404s have none
    if (a.status === 404 || !(a.headers.get('content-type') ?? '').startsWith(MEDIA_TYPES.ociIndex)) return undefined;
    const malformed = (detail: string) => new RegistryError({ registry: this.registry, repository, operation, code: 'MALFORMED', detail: `the answer is not an OCI image index: ${detail}`, retryable: false });
    let index: unknown;
    try {
      index = JSON.parse(a.value.toString('utf8'));
    } catch {
      throw malformed('not JSON');
    }
    const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
    if (!isObject(index)) throw malformed('not a JSON object');
    const manifests = index.manifests ?? [];
    if (!Array.isArray(manifests) || !manifests.every(isObject)) throw malformed('"manifests" is not a list of descriptors');
    return { manifests, filtered: (a.headers.get('oci-filters-applied') ?? '').includes('artifactType') };
  }

  /** `DELETE /v2/<name>/manifests/<ref>`; false when the registry does not support or allow it. */
  async deleteManifest(repository: string, reference: string): Promise<boolean> {
    const a = await this.send({ method: 'DELETE', operation: `DELETE manifest ${reference}`, repository, scopes: [push(repository)], prepare: () => ({ url: this.url(repository, `manifests/${reference}`) }), ok: [200, 202, 400, 404, 405] });
    return a.status === 200 || a.status === 202;
  }

  /** `GET /v2/<name>/tags/list` (following `Link` pages); empty when the repository is unknown. */
  async listTags(repository: string): Promise<string[]> {
    await this.ready();
    const tags: string[] = [];
    let next: string | undefined = this.url(repository, 'tags/list');
    while (next) {
      const target: string = next;
      const a: Answer<Buffer> = await this.send({ method: 'GET', operation: 'GET tags/list', repository, scopes: [pull(repository)], prepare: () => ({ url: target }), ok: [200, 404] });
      if (a.status === 404) return tags;
      const body = JSON.parse(a.value.toString('utf8')) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(a.headers.get('link') ?? '');
      next = link ? new URL(link[1]!, this.baseUrl).toString() : undefined;
    }
    return tags;
  }

  /** `HEAD /v2/<name>/blobs/<digest>`: true when the repository holds the blob. */
  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const a = await this.send({ method: 'HEAD', operation: `HEAD blob ${digest}`, repository, scopes: [pull(repository)], prepare: () => ({ url: this.url(repository, `blobs/${digest}`) }), ok: [200, 404] });
    return a.status === 200;
  }

  /**
   * `GET /v2/<name>/blobs/<digest>` into memory, at most `maxBytes` (a small document: a data
   * manifest, a config), checked against the digest (a mismatch is retried, then thrown).
   * @throws RegistryError (404 BLOB_UNKNOWN, code DIGEST_MISMATCH, or code SIZE_LIMIT past `maxBytes`).
   */
  getBlob(repository: string, digest: string, maxBytes: number): Promise<Buffer> {
    return this.readBlob(repository, digest, async (res) => {
      const bytes = await this.readLimited(res, maxBytes, repository, `GET blob ${digest}`);
      const got = sha256(bytes);
      if (got !== digest) throw new DigestMismatchError(digest, got);
      return bytes;
    });
  }

  /** `GET /v2/<name>/blobs/<digest>` (redirects to storage followed), the body handed to `read`. */
  private async readBlob<T>(repository: string, digest: string, read: (res: Response) => Promise<T>): Promise<T> {
    const a = await this.send({ method: 'GET', operation: `GET blob ${digest}`, repository, scopes: [pull(repository)], prepare: () => ({ url: this.url(repository, `blobs/${digest}`) }), ok: [200], follow: true, read });
    return a.value;
  }

  /** A response body of at most `maxBytes` (the announced length is checked first; the stream is cancelled past the limit). */
  private async readLimited(res: Response, maxBytes: number, repository: string, operation: string): Promise<Buffer> {
    const tooLarge = () => new RegistryError({ registry: this.registry, repository, operation, code: 'SIZE_LIMIT', detail: `the body is larger than the limit of ${maxBytes} bytes; not read`, retryable: false });
    if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw tooLarge();
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res.body ?? []) {
      size += (chunk as Uint8Array).byteLength;
      if (size > maxBytes) throw tooLarge(); // leaving the loop cancels the stream
      chunks.push(chunk as Uint8Array);
    }
    return Buffer.concat(chunks);
  }

  /**
   * `GET /v2/<name>/blobs/<digest>` streamed to `file`, checked against the digest (a mismatch is retried, then thrown).
   * @returns the number of bytes written.
   */
  downloadBlob(repository: string, digest: string, file: string): Promise<number> {
    return this.readBlob(repository, digest, async (res) => {
      const hash = createHash('sha256');
      let size = 0;
      const out = createWriteStream(file);
      try {
        for await (const chunk of res.body ?? []) {
          hash.update(chunk as Uint8Array);
          size += (chunk as Uint8Array).byteLength;
          if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
        }
      } finally {
        await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      }
      const got = `sha256:${hash.digest('hex')}`;
      if (got !== digest) {
        await rm(file, { force: true });
        throw new DigestMismatchError(digest, got);
      }
      return size;
    });
  }

  /**
   * Tries a cross-repository mount (`POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<other>`).
   * @returns true when mounted (201); false when the registry declined (202: it opened an upload
   * session instead, which is cancelled here; the caller uploads).
   */
  async mountBlob(repository: string, digest: string, from: string): Promise<boolean> {
    const a = await this.send({
      method: 'POST',
      operation: `mount blob ${digest} from ${from}`,
      repository,
      scopes: [push(repository), pull(from)],
      prepare: () => ({ url: `${this.url(repository, 'blobs/uploads/')}?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}` }),
      ok: [201, 202],
    });
    if (a.status === 201) return true;
    const location = a.headers.get('location');
    if (location) {
      // free the session the registry opened; failure to cancel only leaves a stale upload behind
      await this.send({ method: 'DELETE', operation: 'cancel upload', repository, scopes: [push(repository)], prepare: () => ({ url: this.resolve(location) }), ok: [200, 204, 404, 405] }).catch(() => undefined);
    }
    return false;
  }

  /**
   * Uploads a blob: `POST /v2/<name>/blobs/uploads/` then one `PUT <location>?digest=` with the bytes
   * (monolithic), or `PATCH` chunks with `Content-Range` then an empty `PUT` for blobs over
   * `chunkThreshold`. A retried chunk first asks the registry where the upload stands (`GET <location>`).
   * @throws RegistryError; a `DIGEST_INVALID` answer means the local bytes do not match `digest`.
   */
  async uploadBlob(repository: string, digest: string, size: number, read: BlobReader): Promise<void> {
    // a session the registry no longer accepts (404 BLOB_UPLOAD_UNKNOWN/INVALID, 416) is started afresh
    for (let session = 1; ; session++) {
      try {
        await this.uploadSession(repository, digest, size, read);
        return;
      } catch (err) {
        if (!(err instanceof RegistryError) || (err.status !== 404 && err.status !== 416)) throw err;
        // a lost answer to a PUT that did land: the retried PUT finds no session, but the blob is there
        if (await this.hasBlob(repository, digest).catch(() => false)) return;
        if (session >= 3) throw err;
      }
    }
  }

  private async uploadSession(repository: string, digest: string, size: number, read: BlobReader): Promise<void> {
    let location = await this.startUpload(repository, digest);
    if (size <= this.chunkThreshold) {
      const bytes = await read(0, size);
      await this.send({
        method: 'PUT',
        operation: `PUT blob ${digest}`,
        repository,
        scopes: [push(repository)],
        prepare: () => ({ url: withQuery(location, 'digest', digest), headers: { 'content-type': 'application/octet-stream' }, body: bytes }),
        ok: [201, 204],
      });
      return;
    }
    let offset = 0;
    while (offset < size) {
      const start = offset;
      const length = Math.min(this.chunkSize, size - start);
      const chunk = await read(start, length);
      try {
        const a = await this.send({
          method: 'PATCH',
          operation: `PATCH blob ${digest} bytes ${start}-${start + length - 1}`,
          repository,
          scopes: [push(repository)],
          prepare: async (attempt) => {
            if (attempt > 1) {
              // the last try may have landed (partly): continue from where the registry stands
              const status = await this.uploadStatus(repository, location);
              if (status) {
                location = status.location;
                if (status.offset !== start) throw new Resync(status.offset);
              }
            }
            return { url: location, headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${start + length - 1}` }, body: chunk };
          },
          ok: [202, 204],
        });
        const next = a.headers.get('location');
        if (next) location = this.resolve(next);
        offset = start + length;
      } catch (err) {
        if (!(err instanceof Resync) || err.offset > size) throw err;
        offset = err.offset;
      }
    }
    await this.send({ method: 'PUT', operation: `PUT blob ${digest} (close chunked upload)`, repository, scopes: [push(repository)], prepare: () => ({ url: withQuery(location, 'digest', digest), headers: { 'content-length': '0' } }), ok: [201, 204] });
  }

  private async startUpload(repository: string, digest: string): Promise<string> {
    const a = await this.send({ method: 'POST', operation: `start upload of blob ${digest}`, repository, scopes: [push(repository)], prepare: () => ({ url: this.url(repository, 'blobs/uploads/') }), ok: [202] });
    const location = a.headers.get('location');
    if (!location) throw new RegistryError({ registry: this.registry, repository, operation: `start upload of blob ${digest}`, detail: 'the 202 answer has no Location header', retryable: false });
    return this.resolve(location);
  }

  /** `GET <location>`: how many bytes of an upload the registry holds (`Range: 0-<last>`). */
  private async uploadStatus(repository: string, location: string): Promise<{ offset: number; location: string } | undefined> {
    const a = await this.send({ method: 'GET', operation: 'GET upload status', repository, scopes: [push(repository)], prepare: () => ({ url: location }), ok: [204, 404] }).catch(() => undefined);
    if (!a || a.status !== 204) return undefined;
    // `Range: 0-<last byte>`; distribution also answers `0-0` for an empty upload, read as 0 bytes
    const range = /^(?:bytes=)?0-(\d+)$/.exec(a.headers.get('range') ?? '');
    const last = range ? Number(range[1]) : 0;
    const next = a.headers.get('location');
    return { offset: last === 0 ? 0 : last + 1, location: next ? this.resolve(next) : location };
  }

  private url(repository: string, rest: string): string {
    return `${this.baseUrl}/v2/${repository}/${rest}`;
  }

  private resolve(location: string): string {
    return new URL(location, this.baseUrl).toString();
  }

  /** Settles the scheme of a loopback host (see {@link RegistryClientOptions.insecure}). */
  private async ready(): Promise<void> {
    if (this.probe) await this.probe;
  }

  /** HTTPS when the loopback registry completes a TLS handshake (or fails one on its certificate), else plain HTTP. */
  private async probeScheme(apiHost: string): Promise<void> {
    try {
      const res = await fetch(`https://${apiHost}/v2/`, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(Math.min(this.requestTimeoutMs, 10_000)) });
      await drain(res);
      this.baseUrl = `https://${apiHost}`;
    } catch (err) {
      // a certificate problem means the registry does speak TLS: stay on HTTPS and let the request report it
      this.baseUrl = certificateError(err) ? `https://${apiHost}` : `http://${apiHost}`;
    } finally {
      this.probe = undefined;
    }
  }

  /** Sends one request with retries, authentication and error mapping. */
  private async send<T = Buffer>(spec: RequestSpec<T>): Promise<Answer<T>> {
    await this.ready();
    const base = this.policy.budgetMs ?? 60_000;
    const budgetMs = this.deadline === undefined ? base : Math.max(0, Math.min(base, this.deadline - Date.now()));
    const sleep = this.policy.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const started = Date.now();
    try {
      return await retry(
        async (attempt) => {
          const prepared = await spec.prepare(attempt);
          let res = await this.exchange(spec, prepared);
          if (res.status === 401 && !spec.ok.includes(401)) {
            await drain(res);
            await this.authenticate(spec, res.headers.get('www-authenticate'));
            res = await this.exchange(spec, await spec.prepare(attempt));
          }
          if (spec.ok.includes(res.status)) {
            const value = spec.read ? await spec.read(res) : ((spec.method === 'HEAD' ? Buffer.alloc(0) : Buffer.from(await res.arrayBuffer())) as T);
            return { status: res.status, headers: res.headers, value };
          }
          const text = await res.text().catch(() => '');
          const { code, message } = errorOf(text);
          const retryable = isRetryableStatus(res.status);
          const fields = { registry: this.registry, repository: spec.repository, operation: spec.operation, status: res.status, retryable, ...(code ? { code } : {}), ...(message ? { detail: message } : {}) };
          if (res.status === 401 || res.status === 403) {
            throw new RegistryError({ ...fields, detail: `${message || 'access denied'}; check the credentials (username/password, registry-token, docker config) and that they may ${spec.method === 'GET' || spec.method === 'HEAD' ? 'pull from' : 'push to'} this repository` });
          }
          const wait = res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers.get('retry-after')) : undefined;
          if (wait !== undefined) {
            const left = budgetMs - (Date.now() - started);
            if (wait > left) throw new RegistryError({ ...fields, retryable: false, detail: `rate limited; the registry asks to retry after ${Math.ceil(wait / 1000)} s, beyond the retry budget` });
            await sleep(wait);
          }
          throw new RegistryError(fields);
        },
        (err) => (err instanceof RegistryError ? err.retryable : err instanceof DigestMismatchError || (!certificateError(err) && !this.pastTimeout() && (isRetryableNetworkError(err) || isTimeout(err)))),
        { ...this.policy, budgetMs: this.timeout ? Math.min(budgetMs, Math.max(0, this.timeout.at - Date.now())) : budgetMs },
      );
    } catch (err) {
      const fields = { registry: this.registry, repository: spec.repository, operation: spec.operation, retryable: false };
      const last = err instanceof RetryExhaustedError ? err.cause : err;
      const attempts = err instanceof RetryExhaustedError ? err.attempts : undefined;
      if (this.timeout && this.pastTimeout() && !(last instanceof RegistryError && last.status !== undefined && !last.retryable)) {
        throw new RegistryError({ ...fields, detail: `the total timeout of ${seconds(this.timeout.ms)} was reached (deadline hit, not the per-request timeout)`, ...(attempts ? { attempts } : {}) }, { cause: last });
      }
      const cert = certificateError(last);
      if (cert) {
        throw new RegistryError({ ...fields, detail: `the TLS certificate of ${this.baseUrl} is not trusted (${cert}); a certificate error is permanent and was not retried: pass the CA that issued it (ca-file input, --ca-file, or NODE_EXTRA_CA_CERTS)` }, { cause: last });
      }
      if (isTimeout(last)) {
        throw new RegistryError({ ...fields, detail: `no answer within the per-request timeout of ${seconds(this.requestTimeoutMs)}${attempts ? '; gave up within the retry budget' : ''}`, ...(attempts ? { attempts } : {}) }, { cause: last });
      }
      if (last instanceof DigestMismatchError) {
        throw new RegistryError({ ...fields, code: 'DIGEST_MISMATCH', detail: `${last.message}${attempts ? '; gave up within the retry budget' : ''}`, ...(attempts ? { attempts } : {}) }, { cause: last });
      }
      if (err instanceof RetryExhaustedError) {
        const last = err.cause;
        if (last instanceof RegistryError) {
          throw new RegistryError({ registry: this.registry, repository: spec.repository, operation: spec.operation, ...(last.status !== undefined ? { status: last.status } : {}), ...(last.code ? { code: last.code } : {}), detail: `gave up within the retry budget`, retryable: false, attempts: err.attempts }, { cause: last });
        }
        throw new RegistryError({ registry: this.registry, repository: spec.repository, operation: spec.operation, detail: `${networkMessage(last)}; gave up within the retry budget`, retryable: false, attempts: err.attempts }, { cause: last });
      }
      if (err instanceof RegistryError || err instanceof ConfigError || err instanceof Resync) throw err;
      throw new RegistryError({ registry: this.registry, repository: spec.repository, operation: spec.operation, detail: `${networkMessage(err)} (${this.baseUrl})`, retryable: false }, { cause: err });
    }
  }

  /**
   * One HTTP exchange. Credentials go only to this registry's own origin (scheme, host and port):
   * an upload `Location` or a redirect naming another origin (a storage backend, another port) is
   * sent no Authorization header, as docker and the distribution spec's per-host auth do. Redirects
   * are followed by hand (at most 5): 307/308 repeat the method and body (an upload PUT redirected
   * to storage), 301/302/303 are followed for GET and HEAD.
   */
  private async exchange(spec: RequestSpec<unknown>, prepared: Prepared): Promise<Response> {
    const signal = this.signal();
    const own = new URL(this.baseUrl).origin;
    let url = prepared.url;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { 'user-agent': this.userAgent, ...prepared.headers };
      const auth = new URL(url).origin === own ? this.cachedAuth(spec.scopes) : undefined;
      if (auth) headers.authorization = auth;
      const res = await fetch(url, { method: spec.method, headers, ...(prepared.body ? { body: prepared.body } : {}), redirect: 'manual', signal });
      const location = res.headers.get('location');
      const redirect = location && (res.status === 307 || res.status === 308 || ((res.status === 301 || res.status === 302 || res.status === 303) && (spec.method === 'GET' || spec.method === 'HEAD')));
      // a 3xx that is an answer of the protocol (none today) or a redirect limit reached: hand it back
      if (!redirect || (!spec.follow && spec.method !== 'PUT' && spec.method !== 'PATCH') || hop >= 5) return res;
      await drain(res);
      url = new URL(location, url).toString();
    }
  }

  /** Aborts at the per-request timeout or at the total timeout, whichever comes first. */
  private signal(requestMs = this.requestTimeoutMs): AbortSignal {
    return this.timeout ? AbortSignal.any([AbortSignal.timeout(requestMs), AbortSignal.timeout(Math.max(0, this.timeout.at - Date.now()))]) : AbortSignal.timeout(requestMs);
  }

  private pastTimeout(): boolean {
    return this.timeout !== undefined && Date.now() >= this.timeout.at;
  }

  private cachedAuth(scopes: string[]): string | undefined {
    const basic = this.authCache.get('*');
    if (basic) return basic;
    const key = scopes.join(' ');
    const exact = this.authCache.get(key);
    if (exact) return exact;
    // a push token also covers pulls of the same repository
    if (scopes.length === 1 && scopes[0]!.endsWith(':pull')) return this.authCache.get(`${scopes[0]!},push`);
    return undefined;
  }

  /** Answers a 401 challenge: Basic with the credentials, or a token from the Bearer realm. */
  private async authenticate(spec: RequestSpec<unknown>, header: string | null): Promise<void> {
    const fail = (detail: string) => new RegistryError({ registry: this.registry, repository: spec.repository, operation: spec.operation, status: 401, detail, retryable: false });
    if (!header) throw fail('the registry wants credentials but sent no WWW-Authenticate challenge');
    const { scheme, params } = parseChallenge(header);
    const creds = this.credentials;
    if (scheme === 'basic') {
      if (!creds?.username || creds.password === undefined) throw fail('the registry wants a username and password; pass "username"/"password", a registry token, or log in (docker config)');
      this.authCache.set('*', `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`);
      return;
    }
    if (scheme !== 'bearer') throw fail(`unsupported authentication scheme "${scheme}"`);
    if (creds?.token) {
      this.authCache.set(spec.scopes.join(' '), `Bearer ${creds.token}`);
      return;
    }
    const realm = params.realm;
    if (!realm) throw fail('the Bearer challenge names no realm');
    const url = new URL(realm);
    if (params.service) url.searchParams.set('service', params.service);
    const scopes = spec.scopes.length ? spec.scopes : params.scope ? [params.scope] : [];
    for (const s of scopes) url.searchParams.append('scope', s);
    const headers: Record<string, string> = { 'user-agent': this.userAgent };
    if (creds?.username && creds.password !== undefined) headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    const body = await retry(
      async () => {
        // an identity token is exchanged by POST (Docker token spec, "OAuth2 token"); the rest by GET with basic credentials
        const res = creds?.identityToken
          ? await fetch(`${url.origin}${url.pathname}`, {
              method: 'POST',
              headers: { 'user-agent': this.userAgent, 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: 'dataops-actions', ...(params.service ? { service: params.service } : {}), scope: scopes.join(' ') }),
              signal: this.signal(Math.min(this.requestTimeoutMs, 60_000)),
            })
          : await fetch(url, { headers, signal: this.signal(Math.min(this.requestTimeoutMs, 60_000)) });
        const text = await res.text();
        if (!res.ok) {
          const { code, message } = errorOf(text);
          const detail = message || (res.status === 401 ? 'credentials refused' : '');
          throw new RegistryError({ registry: this.registry, repository: spec.repository, operation: `get a token from ${url.origin}${url.pathname}`, status: res.status, ...(code ? { code } : {}), ...(detail ? { detail } : {}), retryable: isRetryableStatus(res.status) });
        }
        return JSON.parse(text) as { token?: string; access_token?: string };
      },
      (err) => (err instanceof RegistryError ? err.retryable : isRetryableNetworkError(err)),
      { ...this.policy, budgetMs: Math.min(this.policy.budgetMs ?? 60_000, 30_000) },
    );
    const token = body.token ?? body.access_token;
    if (!token) throw fail('the token endpoint answered without a token');
    this.authCache.set(spec.scopes.join(' '), `Bearer ${token}`);
  }
}

/** Thrown inside a chunk retry when the registry holds a different number of bytes than expected. */
class Resync extends Error {
  override readonly name = 'Resync';
  readonly offset: number;
  constructor(offset: number) {
    super(`upload resumes at byte ${offset}`);
    this.offset = offset;
  }
}

const pull = (repository: string) => `repository:${repository}:pull`;
const push = (repository: string) => `repository:${repository}:pull,push`;

function withQuery(url: string, key: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(key, value);
  return u.toString();
}

async function drain(res: Response): Promise<void> {
  await res.arrayBuffer().catch(() => undefined);
}

/** First error of an OCI error body (`{"errors":[{"code","message"}]}`), or the text itself. */
function errorOf(text: string): { code?: string; message?: string } {
  try {
    const body = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
    const e = body.errors?.[0];
    if (e) return { ...(e.code ? { code: e.code } : {}), ...(e.message ? { message: e.message } : {}) };
  } catch {
    // not JSON: fall through
  }
  const t = text.trim().slice(0, 200);
  return t ? { message: t } : {};
}

function networkMessage(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    const x = e as { message?: string; code?: string };
    if (x.message) parts.push(x.code && !x.message.includes(x.code) ? `${x.message} (${x.code})` : x.message);
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join(': ') || String(err);
}

/** Media type of a manifest from its JSON (`mediaType`, else index vs image by shape). */
export function mediaTypeOf(bytes: Uint8Array): string {
  const json = JSON.parse(Buffer.from(bytes).toString('utf8')) as { mediaType?: string; manifests?: unknown };
  if (json.mediaType) return json.mediaType;
  return json.manifests ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest;
}
