/**
 * A stand-in for the Actions artifact service (artifacts v4), for the workflow harness: what
 * `@actions/artifact`'s `DefaultArtifactClient.uploadArtifact` talks to when our actions run with
 * `upload: true`. The real client library runs unchanged against it:
 * - the results service's Twirp JSON API at `ACTIONS_RESULTS_URL`
 *   (`POST /twirp/github.actions.results.api.v1.ArtifactService/{CreateArtifact,FinalizeArtifact}`,
 *   proto field names, as the library's generated client sends them), with the run and job backend
 *   ids taken from the `Actions.Results:<run>:<job>` scope of `ACTIONS_RUNTIME_TOKEN` (a JWT);
 * - the signed upload URL CreateArtifact returns, served as Azure Blob Storage's block-blob API
 *   (`PUT ?comp=block&blockid=…`, then `PUT ?comp=blocklist` with the XML block list), which
 *   `@azure/storage-blob`'s `uploadStream` uses.
 * On FinalizeArtifact the committed zip is unpacked into `<run's artifact store>/<name>/`, where the
 * `actions/download-artifact` stand-in (workflow-standins.ts) finds it, so a later job downloads what
 * an action uploaded. A second CreateArtifact of the same name in a run is a Twirp `already_exists`
 * (HTTP 409), as GitHub answers. Not modelled: signatures of the URLs, retention, listing, downloads
 * through the library, `skipArchive`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.ArtifactService/';
const BLOB_PREFIX = '/artifact-blob/';

/** One run's artifacts: where they are unpacked, and the uploads in flight. */
interface RunStore {
  artifactsDir: string;
  uploads: Map<string, { blocks: Map<string, Buffer>; zip?: Buffer }>;
  finalized: string[];
}

/** The artifact service of a harness: register each run, hand {@link handle} the HTTP requests. */
export interface ArtifactService {
  /** The `ACTIONS_RUNTIME_TOKEN` of a job of run `runId`, whose artifacts go to `artifactsDir`. */
  runtimeToken(runId: string, jobId: string, artifactsDir: string): string;
  /** Serves the request if it is the artifact service's; false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, origin: string): boolean;
  /** Names of the artifacts finalized in run `runId`, in order. */
  finalized(runId: string): string[];
}

/**
 * Serves one Azure block-blob `PUT` of a signed URL (what `@azure/storage-blob`'s uploadStream and
 * uploadFile send): `?comp=block&blockid=…` stages `data` in `blocks`; `?comp=blocklist` (the XML
 * block list) and a plain Put Blob commit. Answers 201. @returns the committed blob, undefined after a staged block.
 */
export function putBlockBlob(url: URL, data: Buffer, blocks: Map<string, Buffer>, res: ServerResponse): Buffer | undefined {
  const comp = url.searchParams.get('comp');
  let committed: Buffer | undefined;
  if (comp === 'block') blocks.set(url.searchParams.get('blockid') ?? '', data);
  else if (comp === 'blocklist') {
    const ids = [...data.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)<\//g)].map((m) => m[1]!);
    committed = Buffer.concat(ids.map((id) => blocks.get(id) ?? Buffer.alloc(0)));
  } else committed = data; // a single Put Blob
  res.writeHead(201, { 'x-ms-request-id': 'stand-in', 'x-ms-version': '2024-11-04', 'content-length': '0' }).end();
  return committed;
}

/** Starts an empty artifact service (no server of its own: the harness's server routes to it). */
export function artifactService(): ArtifactService {
  const runs = new Map<string, RunStore>();
  const body = (req: IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
    });
  const twirpError = (res: ServerResponse, status: number, code: string, msg: string): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ code, msg }));

  async function twirp(req: IncomingMessage, res: ServerResponse, method: string, origin: string): Promise<void> {
    const input = JSON.parse((await body(req)).toString('utf8') || '{}') as Record<string, string | undefined>;
    const runId = input.workflow_run_backend_id ?? '';
    const store = runs.get(runId);
    const name = input.name ?? '';
    if (!store) return twirpError(res, 404, 'not_found', `workflow run ${runId} not found`);
    if (method === 'CreateArtifact') {
      if (store.uploads.has(name) || existsSync(path.join(store.artifactsDir, name))) return twirpError(res, 409, 'already_exists', 'an artifact with this name already exists on the workflow run');
      store.uploads.set(name, { blocks: new Map() });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, signed_upload_url: `${origin}${BLOB_PREFIX}${encodeURIComponent(runId)}/${encodeURIComponent(name)}.zip?sig=stand-in` }));
      return;
    }
    if (method === 'FinalizeArtifact') {
      const upload = store.uploads.get(name);
      if (!upload?.zip) return twirpError(res, 400, 'failed_precondition', `artifact ${name} has no committed upload`);
      await unzipInto(upload.zip, path.join(store.artifactsDir, name));
      store.finalized.push(name);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, artifact_id: String(store.finalized.length) }));
      return;
    }
    twirpError(res, 501, 'unimplemented', `${method} is not modelled by the artifact service stand-in`);
  }

  async function blob(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const [runId = '', file = ''] = url.pathname.slice(BLOB_PREFIX.length).split('/').map(decodeURIComponent);
    const upload = runs.get(runId)?.uploads.get(file.replace(/\.zip$/, ''));
    const data = await body(req);
    if (!upload || req.method !== 'PUT') return void res.writeHead(404).end();
    upload.zip = putBlockBlob(url, data, upload.blocks, res) ?? upload.zip;
  }

  return {
    runtimeToken(runId, jobId, artifactsDir) {
      if (!runs.has(runId)) runs.set(runId, { artifactsDir, uploads: new Map(), finalized: [] });
      const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ scp: `Actions.GenericRead:${runId} Actions.Results:${runId}:${jobId}`, ac: '[]' })}.`;
    },
    handle(req, res, url, origin) {
      const done = (p: Promise<void>) => void p.catch((err: unknown) => twirpError(res, 500, 'internal', String(err)));
      if (url.pathname.startsWith(TWIRP_PREFIX) && req.method === 'POST') done(twirp(req, res, url.pathname.slice(TWIRP_PREFIX.length), origin));
      else if (url.pathname.startsWith(BLOB_PREFIX)) done(blob(req, res, url));
      else return false;
      return true;
    },
    finalized: (runId) => [...(runs.get(runId)?.finalized ?? [])],
  };
}

/** An {@link artifactService} on its own loopback server (outside the workflow harness). */
export interface RunningArtifactService extends ArtifactService {
  /** The environment of job `jobId` of run `runId` (artifacts unpacked into `artifactsDir`): `ACTIONS_RESULTS_URL`, `ACTIONS_RUNTIME_TOKEN`, github.com as the server. */
  env(runId: string, jobId: string, artifactsDir: string): Record<string, string>;
  close(): Promise<void>;
}

/** Starts an {@link artifactService} on a loopback port. Close it after the tests. */
export async function startArtifactService(): Promise<RunningArtifactService> {
  const service = artifactService();
  let origin = '';
  const server = createServer((req, res) => {
    if (!service.handle(req, res, new URL(req.url ?? '/', 'http://localhost'), origin)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ...service,
    env: (runId, jobId, artifactsDir) => ({ ACTIONS_RESULTS_URL: `${origin}/`, ACTIONS_RUNTIME_TOKEN: service.runtimeToken(runId, jobId, artifactsDir), GITHUB_SERVER_URL: 'https://github.com' }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Unpacks a zip (what @actions/artifact's archiver writes: stored or deflated entries, sizes in the
 * central directory) into `dest`. Entry names that leave `dest` are refused.
 */
async function unzipInto(zip: Buffer, dest: string): Promise<void> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('artifact upload is not a zip (no end of central directory)');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  await mkdir(dest, { recursive: true });
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(p + 10);
    const compressed = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    p += 46 + nameLen + extraLen + commentLen;
    const target = path.resolve(dest, name);
    if (!target.startsWith(dest + path.sep)) throw new Error(`zip entry ${name} leaves the artifact`);
    if (name.endsWith('/')) {
      await mkdir(target, { recursive: true });
      continue;
    }
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressed);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, method === 8 ? inflateRawSync(raw) : raw);
  }
}
