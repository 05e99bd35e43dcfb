/**
 * RegistryClient details that a real docker-registry without auth does not exercise: the Bearer
 * token flow (challenge → token endpoint with basic credentials → retried request), Basic auth,
 * Retry-After, and refusing tag-only references.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChallenge, parseRetryAfter, RegistryClient, RegistryError } from '../../src/core/registry/client.ts';
import { copyImage, manifestExists } from '../../src/core/registry/copy.ts';
import { pushImage } from '../../src/core/registry/push.ts';

let server: http.Server;
let host = '';
const log: string[] = [];
let rateLimited = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    log.push(`${req.method} ${url.pathname}${url.search} ${req.headers.authorization ?? '-'}`);
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== 'id-tok') {
          res.writeHead(401).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `tok:${form.get('scope')}` }));
      });
      return;
    }
    if (url.pathname === '/token') {
      if (req.headers.authorization !== `Basic ${Buffer.from('bob:pw').toString('base64')}`) {
        res.writeHead(401).end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `tok:${url.searchParams.getAll('scope').join('+')}` }));
      return;
    }
    if (url.pathname.startsWith('/v2/limited/')) {
      if (rateLimited++ < 2) {
        res.writeHead(429, { 'retry-after': '0' }).end();
        return;
      }
      res.writeHead(404).end();
      return;
    }
    if (!req.headers.authorization?.startsWith('Bearer tok:')) {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="fake",scope="repository:app:pull"` }).end();
      return;
    }
    res.writeHead(200, { 'docker-content-digest': `sha256:${'a'.repeat(64)}`, 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('RegistryClient', () => {
  it('answers a Bearer challenge with a token fetched using basic credentials, scoped to the repository', async () => {
    const c = new RegistryClient({ registry: host, credentials: { username: 'bob', password: 'pw' }, retry: { baseMs: 1 } });
    const head = await c.headManifest('app', 'v1');
    expect(head?.digest).toBe(`sha256:${'a'.repeat(64)}`);
    expect(log.some((l) => l.startsWith('GET /token?service=fake&scope=repository%3Aapp%3Apull'))).toBe(true);
    expect(log.at(-1)).toMatch(/^HEAD \/v2\/app\/manifests\/v1 Bearer tok:repository:app:pull$/);
  });

  it('exchanges a docker-config identity token (OAuth2 refresh token) by POST', async () => {
    const c = new RegistryClient({ registry: host, credentials: { identityToken: 'id-tok' }, retry: { baseMs: 1 } });
    expect((await c.headManifest('app', 'v2'))?.digest).toBe(`sha256:${'a'.repeat(64)}`);
    expect(log.at(-1)).toMatch(/^HEAD \/v2\/app\/manifests\/v2 Bearer tok:repository:app:pull$/);
  });

  it('fails clearly when the token endpoint refuses the credentials', async () => {
    const c = new RegistryClient({ registry: host, credentials: { username: 'bob', password: 'wrong' }, retry: { baseMs: 1 } });
    await expect(c.headManifest('app', 'v1')).rejects.toThrow(/registry 127\.0\.0\.1:\d+, repository app: get a token from .* failed: HTTP 401 UNAUTHORIZED \(bad credentials\)/);
  });

  it('retries 429 honouring Retry-After', async () => {
    const c = new RegistryClient({ registry: host, retry: { baseMs: 1 } });
    expect(await c.headManifest('limited/x', 'v1')).toBeUndefined();
    expect(rateLimited).toBe(3);
  });

  it('refuses a Retry-After beyond the budget', async () => {
    const s = http.createServer((_req, res) => res.writeHead(429, { 'retry-after': '3600' }).end());
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const c = new RegistryClient({ registry: `127.0.0.1:${(s.address() as AddressInfo).port}`, retry: { baseMs: 1, budgetMs: 5000 } });
    await expect(c.ping()).rejects.toThrow(/HTTP 429.*retry after 3600 s, beyond the retry budget/);
    await new Promise<void>((r) => s.close(() => r()));
  });

  it('names the registry and operation when nothing listens', async () => {
    const s = http.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const c = new RegistryClient({ registry: `127.0.0.1:${port}`, retry: { attempts: 2, baseMs: 1 } });
    const err = await c.ping().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as Error).message).toMatch(/registry 127\.0\.0\.1:\d+: ping \(GET \/v2\/\) failed \(.*ECONNREFUSED.*gave up/);
  });
});

describe('helpers', () => {
  it('parses challenges and Retry-After', () => {
    expect(parseChallenge('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/r:pull"')).toEqual({ scheme: 'bearer', params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:o/r:pull' } });
    expect(parseChallenge('Basic realm="x"').scheme).toBe('basic');
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('refuses tag-only references everywhere', async () => {
    await expect(copyImage({ source: 'ghcr.io/o/r:latest', destination: 'ghcr.io/o/p' })).rejects.toThrow(/has no digest/);
    await expect(manifestExists('ghcr.io/o/r:v1')).rejects.toThrow(/has no digest/);
    await expect(pushImage({ layoutDir: '/nonexistent', digest: 'v1', destinations: ['ghcr.io/o/r'] })).rejects.toThrow(/not a digest/);
    await expect(pushImage({ layoutDir: '/nonexistent', digest: `sha256:${'b'.repeat(64)}`, destinations: ['ghcr.io/o/r@sha256:' + 'c'.repeat(64)] })).rejects.toThrow(/names a digest/);
  });
});
