/**
 * A stand-in for GitHub's Actions cache service v2, as `@actions/cache` (6.x) talks to it when
 * `ACTIONS_CACHE_SERVICE_V2` is set (github.com runners): the real library runs unchanged against it.
 * - the results service's Twirp JSON API at `ACTIONS_RESULTS_URL`
 *   (`POST /twirp/github.actions.results.api.v1.CacheService/<method>`, proto field names, as the
 *   library's generated client sends them, lib/generated/results/api/v1/cache.twirp-client.js):
 *   `GetCacheEntryDownloadURL {key, restore_keys, version}` → `{ok, signed_download_url, matched_key}`
 *   (exact key first, then each restore key as a prefix, newest first; a miss is `ok: false`, not an
 *   error, as GitHub answers), `CreateCacheEntry {key, version}` → `{ok, signed_upload_url}` (an
 *   existing key and version is a Twirp `already_exists`, HTTP 409), `FinalizeCacheEntryUpload
 *   {key, version, size_bytes}` → `{ok, entry_id}`;
 * - the signed URLs, served as Azure Blob Storage: `PUT` (one Put Blob, or `?comp=block` then
 *   `?comp=blocklist`, what `BlockBlobClient.uploadFile` sends) and `GET` of the archive (a loopback
 *   host is not `*.blob.core.windows.net`, so the library downloads with a plain GET, checking
 *   Content-Length).
 * {@link CacheService.failWith} makes every Twirp call answer an HTTP status (e.g. 500: a service
 * outage). Not modelled: scopes (branches), eviction, signatures of the URLs, the protobuf content type.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { putBlockBlob } from './artifact-service.ts';

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.CacheService/';
const BLOB_PREFIX = '/cache-blob/';

/** A cache entry: committed once its upload is finalized. */
interface Entry {
  id: number;
  key: string;
  version: string;
  blocks: Map<string, Buffer>;
  archive?: Buffer;
  finalized: boolean;
}

/** What a test reads back: the Twirp calls made, and the entries saved. */
export interface CacheService {
  /** Serves the request if it is the cache service's; false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, origin: string): boolean;
  /** From now on every Twirp call answers `status` (undefined: serve normally again). */
  failWith(status: number | undefined): void;
  /** The Twirp methods called, in order, with the key asked for. */
  calls: Array<{ method: string; key: string }>;
  /** Keys of the finalized entries, in order, with their archive sizes (bytes). */
  entries(): Array<{ key: string; size: number }>;
}

const body = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });
const json = (res: ServerResponse, status: number, value: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));

/** An empty cache service (no server of its own: a harness routes to {@link CacheService.handle}). */
export function cacheService(): CacheService {
  const entries: Entry[] = [];
  const calls: CacheService['calls'] = [];
  let failure: number | undefined;

  async function twirp(req: IncomingMessage, res: ServerResponse, method: string, origin: string): Promise<void> {
    const input = JSON.parse((await body(req)).toString('utf8') || '{}') as { key?: string; version?: string; restore_keys?: string[]; size_bytes?: string };
    const key = input.key ?? '';
    calls.push({ method, key });
    if (failure) return json(res, failure, { code: 'internal', msg: `the cache service stand-in answers ${failure}` });
    const blobUrl = (e: Entry) => `${origin}${BLOB_PREFIX}${e.id}?sig=stand-in`;
    if (method === 'GetCacheEntryDownloadURL') {
      const usable = entries.filter((e) => e.finalized && e.version === input.version).reverse();
      const hit = usable.find((e) => e.key === key) ?? (input.restore_keys ?? []).map((p) => usable.find((e) => e.key.startsWith(p))).find(Boolean);
      return json(res, 200, hit ? { ok: true, signed_download_url: blobUrl(hit), matched_key: hit.key } : { ok: false });
    }
    if (method === 'CreateCacheEntry') {
      if (entries.some((e) => e.key === key && e.version === input.version)) return json(res, 409, { code: 'already_exists', msg: 'cache entry with the same key, version, and scope already exists' });
      const entry: Entry = { id: entries.length + 1, key, version: input.version ?? '', blocks: new Map(), finalized: false };
      entries.push(entry);
      return json(res, 200, { ok: true, signed_upload_url: blobUrl(entry) });
    }
    if (method === 'FinalizeCacheEntryUpload') {
      const entry = entries.find((e) => e.key === key && e.version === input.version && !e.finalized);
      if (!entry?.archive || String(entry.archive.length) !== input.size_bytes) return json(res, 200, { ok: false, message: `no committed upload of ${input.size_bytes} bytes for ${key}` });
      entry.finalized = true;
      return json(res, 200, { ok: true, entry_id: String(entry.id) });
    }
    json(res, 501, { code: 'unimplemented', msg: `${method} is not modelled by the cache service stand-in` });
  }

  async function blob(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const entry = entries.find((e) => e.id === Number(url.pathname.slice(BLOB_PREFIX.length)));
    const data = await body(req);
    if (!entry) return void res.writeHead(404).end();
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (!entry.finalized || !entry.archive) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(entry.archive.length) }).end(req.method === 'GET' ? entry.archive : undefined);
      return;
    }
    if (req.method !== 'PUT' || entry.finalized) return void res.writeHead(409).end();
    entry.archive = putBlockBlob(url, data, entry.blocks, res) ?? entry.archive;
  }

  return {
    handle(req, res, url, origin) {
      const done = (p: Promise<void>) => void p.catch((err: unknown) => json(res, 500, { code: 'internal', msg: String(err) }));
      if (url.pathname.startsWith(TWIRP_PREFIX) && req.method === 'POST') done(twirp(req, res, url.pathname.slice(TWIRP_PREFIX.length), origin));
      else if (url.pathname.startsWith(BLOB_PREFIX)) done(blob(req, res, url));
      else return false;
      return true;
    },
    failWith: (status) => void (failure = status),
    calls,
    entries: () => entries.filter((e) => e.finalized).map((e) => ({ key: e.key, size: e.archive!.length })),
  };
}

/** A {@link cacheService} on its own loopback server, with the environment a job needs to use it. */
export interface RunningCacheService extends CacheService {
  /** `ACTIONS_RESULTS_URL`, `ACTIONS_RUNTIME_TOKEN`, `ACTIONS_CACHE_SERVICE_V2` (and github.com as the server). */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Starts a {@link cacheService} on a loopback port. Close it after the tests. */
export async function startCacheService(): Promise<RunningCacheService> {
  const service = cacheService();
  let origin = '';
  const server: Server = createServer((req, res) => {
    if (!service.handle(req, res, new URL(req.url ?? '/', 'http://localhost'), origin)) json(res, 404, { code: 'not_found', msg: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ...service,
    env: { ACTIONS_RESULTS_URL: `${origin}/`, ACTIONS_RUNTIME_TOKEN: 'stand-in-runtime-token', ACTIONS_CACHE_SERVICE_V2: 'True', GITHUB_SERVER_URL: 'https://github.com' },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
