/**
 * Push attack and fault paths (issue 11, points 7-9) with real registries: Debian's docker-registry
 * with htpasswd basic auth, with Docker token auth (a token server following the Docker token
 * authentication spec, its JWTs signed by a certificate the registry trusts), and with TLS from a
 * CA made in the test; loopback fault proxies in front of them (uploads sent to another port,
 * redirected PUTs, tag PUTs answered wrongly, requests never answered).
 */
import { execFile, execFileSync } from 'node:child_process';
import { createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryError } from '../../src/core/registry/client.ts';
import { startLocalRegistry, type LocalRegistry } from '../../src/core/registry/local.ts';
import { pushImage } from '../../src/core/registry/push.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { makeLayout, type TestLayout } from '../helpers/oci-layout.ts';
import { getManifest, registryTags } from '../helpers/registry.ts';

const CLI = path.resolve(import.meta.dirname, '../../src/cli/main.ts');
const tmp = await mkdtemp(path.join(os.tmpdir(), 'registry-security-'));
const USER = 'alice';
const PASSWORD = 's3cret-pw';
const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const retry = { attempts: 4, baseMs: 1, maxDelayMs: 10, budgetMs: 20_000 };
const layouts: TestLayout[] = [];
const closers: Array<() => Promise<void>> = [];

const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: tmp, stdio: 'pipe' });

async function layout(label: string): Promise<TestLayout> {
  const l = await makeLayout({ label: `${label}-${randomUUID()}`, layerSizes: [3000, 9000] });
  layouts.push(l);
  return l;
}

/** A second origin (another port) standing in for a storage host: it authorizes uploads itself, and records what clients send it. */
async function storageHost(target: string, credentials: () => Promise<Record<string, string>>): Promise<FaultProxy> {
  const p = await startFaultProxy({ target, upstreamHeaders: credentials });
  closers.push(() => p.close());
  return p;
}

/**
 * The registry's front, sending uploads to `storage`: by naming it in the upload sessions'
 * `Location` (`location`), or by answering the upload PUT with a 307 to it (`redirect`).
 */
async function front(target: string, storage: FaultProxy, how: 'location' | 'redirect'): Promise<FaultProxy> {
  const p = await startFaultProxy(
    how === 'location'
      ? { target, rewriteLocation: (loc) => loc.replace(/^http:\/\/[^/]+/, `http://${storage.host}`).replace(/^\//, `http://${storage.host}/`) }
      : { target, redirect: { 'upload-put': (url) => `http://${storage.host}${url}` } },
  );
  closers.push(() => p.close());
  return p;
}

/** A plain docker-registry behind a fault proxy, both closed after the file. */
async function proxiedRegistry(): Promise<{ reg: LocalRegistry; proxy: FaultProxy }> {
  const reg = await startLocalRegistry();
  closers.push(() => reg.stop());
  const proxy = await startFaultProxy({ target: reg.host });
  closers.push(() => proxy.close());
  return { reg, proxy };
}

afterAll(async () => {
  for (const c of closers.reverse()) await c();
  for (const l of layouts) await rm(l.dir, { recursive: true, force: true });
  await rm(tmp, { recursive: true, force: true });
});

describe('7: credentials go only to the origin they were issued for', () => {
  it('htpasswd: an upload PUT answered 307 to another port is followed there, without the credentials', async () => {
    const htpasswd = path.join(tmp, 'htpasswd');
    writeFileSync(htpasswd, `${USER}:${bcrypt.hashSync(PASSWORD, 6)}\n`);
    const reg = await startLocalRegistry({ htpasswd });
    closers.push(() => reg.stop());
    const storage = await storageHost(reg.host, () => Promise.resolve({ authorization: basic }));
    const proxy = await front(reg.host, storage, 'redirect');
    const l = await layout('htpasswd');
    const r = await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${proxy.host}/secure/app`], tags: ['v1'], auth: { [proxy.host]: { username: USER, password: PASSWORD } }, retry });
    expect(r.refs).toEqual([`${proxy.host}/secure/app@${l.digest}`]);
    expect(r.taggedRefs).toEqual([`${proxy.host}/secure/app:v1`]);
    // every upload PUT was redirected (307) and followed to the storage host, which never got the registry credentials
    const puts = proxy.requests.filter((q) => q.kind === 'upload-put').length;
    expect(puts).toBeGreaterThan(0);
    expect(storage.requests.filter((q) => q.kind === 'upload-put').length).toBe(puts);
    expect(storage.requests.filter((q) => q.authorization !== undefined)).toEqual([]);
    // the registry's own origin did get them
    expect(proxy.requests.some((q) => q.authorization === basic)).toBe(true);
    const res = await fetch(`http://${reg.host}/v2/secure/app/manifests/v1`, { method: 'HEAD', headers: { authorization: basic, accept: 'application/vnd.oci.image.manifest.v1+json' } });
    expect(res.headers.get('docker-content-digest')).toBe(l.digest);
  });

  it('token auth: uploads whose Location names another port get no bearer token', async () => {
    // the token server's signing certificate, trusted by the registry (rootcertbundle)
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'token.key', '-out', 'token.crt', '-days', '2', '-subj', '/CN=dataops-token-issuer']);
    const cert = new X509Certificate(execFileSync('cat', [path.join(tmp, 'token.crt')]));
    const signingKey = createPrivateKey(execFileSync('cat', [path.join(tmp, 'token.key')]));
    const x5c = [cert.raw.toString('base64')];
    const mint = (scope: string[]) => {
      const access = scope.map((s) => {
        const [type, name, actions] = s.split(':');
        return { type, name, actions: actions!.split(',') };
      });
      return new SignJWT({ access }).setProtectedHeader({ alg: 'RS256', x5c }).setIssuer('dataops-test-issuer').setAudience('dataops-test').setSubject(USER).setIssuedAt().setNotBefore('0s').setExpirationTime('5m').setJti(randomUUID()).sign(signingKey);
    };
    const issued: string[] = [];
    const tokenServer = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.headers.authorization !== basic) return res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
      void mint(url.searchParams.getAll('scope')).then((token) => {
        issued.push(token);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300 }));
      });
    });
    await new Promise<void>((r) => tokenServer.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => tokenServer.close(() => r())));
    const realm = `http://127.0.0.1:${(tokenServer.address() as net.AddressInfo).port}/token`;
    const reg = await startLocalRegistry({ token: { realm, service: 'dataops-test', issuer: 'dataops-test-issuer', rootCertBundle: path.join(tmp, 'token.crt') } });
    closers.push(() => reg.stop());
    const storage = await storageHost(reg.host, async () => ({ authorization: `Bearer ${await mint(['repository:tokens/app:pull,push'])}` }));
    const proxy = await front(reg.host, storage, 'location');
    const l = await layout('token');
    const r = await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${proxy.host}/tokens/app`], tags: ['v1'], auth: { [proxy.host]: { username: USER, password: PASSWORD } }, retry });
    expect(r.taggedRefs).toEqual([`${proxy.host}/tokens/app:v1`]);
    expect(issued.length).toBeGreaterThan(0);
    expect(storage.requests.filter((q) => q.kind.startsWith('upload-')).length).toBeGreaterThan(0);
    expect(storage.requests.filter((q) => q.authorization !== undefined)).toEqual([]);
    expect(proxy.requests.some((q) => q.authorization?.startsWith('Bearer '))).toBe(true);
  });
});

describe('8: a tag never survives a failed push unverified', () => {
  let reg: LocalRegistry;
  let proxy: FaultProxy;
  beforeAll(async () => {
    ({ reg, proxy } = await proxiedRegistry());
  });

  it('a tag PUT that lands but is answered with an error is rolled back, and the error names it', async () => {
    proxy.configure({});
    const old = await layout('old');
    await pushImage({ layoutDir: old.dir, digest: old.digest, destinations: [`${proxy.host}/tags/landed`], tags: ['v1', 'stable'], retry });
    const next = await layout('next');
    proxy.configure({ persistent: ['manifest-put-tag'], fault: { applied: 502 } });
    const err = await pushImage({ layoutDir: next.dir, digest: next.digest, destinations: [`${proxy.host}/tags/landed`], tags: ['v1', 'stable'], retry }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as Error).message).toMatch(/PUT manifest v1 failed: HTTP 502.*rolled back: .*tags\/landed:v1 \(points at sha256:[0-9a-f]{12}… again\)/);
    proxy.configure({});
    // on the registry itself: both tags name the old digest, as before the failed push
    expect((await getManifest(reg.host, 'tags/landed', 'v1')).digest).toBe(old.digest);
    expect((await getManifest(reg.host, 'tags/landed', 'stable')).digest).toBe(old.digest);
  });

  it('a tag PUT answered 201 that did not land is caught by the read-back (HEAD) and fails the push', async () => {
    proxy.configure({});
    const old = await layout('old-ack');
    await pushImage({ layoutDir: old.dir, digest: old.digest, destinations: [`${proxy.host}/tags/fake`], tags: ['v1'], retry });
    const next = await layout('next-ack');
    proxy.configure({ persistent: ['manifest-put-tag'], fault: 201 });
    const err = await pushImage({ layoutDir: next.dir, digest: next.digest, destinations: [`${proxy.host}/tags/fake`], tags: ['v1'], retry }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as Error).message).toMatch(new RegExp(`verify tag v1 failed \\(after the PUT the tag points at ${old.digest}, not the verified digest ${next.digest}\\)`));
    proxy.configure({});
    expect((await getManifest(reg.host, 'tags/fake', 'v1')).digest).toBe(old.digest);
  });

  it('reports every tag that points at the digest at the end, each read back', async () => {
    proxy.configure({});
    const l = await layout('report');
    await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${proxy.host}/tags/report`], tags: ['a'], retry });
    const r = await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${proxy.host}/tags/report`, `${proxy.host}/tags/report-mirror`], tags: ['a', 'b'], retry });
    expect(r.taggedRefs).toEqual([`${proxy.host}/tags/report:a`, `${proxy.host}/tags/report:b`, `${proxy.host}/tags/report-mirror:a`, `${proxy.host}/tags/report-mirror:b`]);
    expect((await registryTags(reg.host, 'tags/report')).sort()).toEqual(['a', 'b']);
  });
});

describe('9: deadlines, per-request timeouts and certificates', () => {
  let reg: LocalRegistry;
  let proxy: FaultProxy;
  beforeAll(async () => {
    ({ reg, proxy } = await proxiedRegistry());
  });

  it('an unanswered request fails at the per-request timeout and says so', async () => {
    proxy.configure({ persistent: ['manifest-put-digest'], fault: 'stall' });
    const l = await layout('stall');
    const err = await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${proxy.host}/slow/app`], tags: ['v1'], retry: { attempts: 2, baseMs: 1, maxDelayMs: 5, budgetMs: 60_000 }, requestTimeoutMs: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as Error).message).toMatch(/PUT manifest sha256:[0-9a-f]{64} failed \(no answer within the per-request timeout of 1 s; gave up within the retry budget\) after 2 attempts/);
    expect(proxy.seen.get('manifest-put-digest')).toBe(2);
    expect(await registryTags(reg.host, 'slow/app')).toEqual([]);
  }, 60_000);

  it('the total timeout aborts the request in flight and says the deadline was hit', async () => {
    proxy.configure({ persistent: ['manifest-put-digest'], fault: 'stall' });
    const l = await layout('deadline');
    const err = await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${proxy.host}/slow/deadline`], tags: ['v1'], retry, timeoutMs: 3000, requestTimeoutMs: 600_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as Error).message).toMatch(/PUT manifest sha256:[0-9a-f]{64} failed \(the total timeout of 3 s was reached \(deadline hit, not the per-request timeout\)\)/);
    expect(await registryTags(reg.host, 'slow/deadline')).toEqual([]);
  }, 60_000);

  describe('a TLS registry with its own CA, on a loopback host', () => {
    let tlsReg: LocalRegistry;
    let connections = 0;
    let counter: net.Server;
    let host: string;
    beforeAll(async () => {
      openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=dataops test CA']);
      openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
      writeFileSync(path.join(tmp, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
      openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext']);
      tlsReg = await startLocalRegistry({ tls: { certificate: path.join(tmp, 'server.crt'), key: path.join(tmp, 'server.key') } });
      closers.push(() => tlsReg.stop());
      // a TCP pass-through counting connections (TLS goes through untouched)
      const [, port] = tlsReg.host.split(':');
      counter = net.createServer((c) => {
        connections++;
        const up = net.connect(Number(port), '127.0.0.1');
        c.pipe(up).pipe(c);
        up.on('error', () => c.destroy());
        c.on('error', () => up.destroy());
      });
      await new Promise<void>((r) => counter.listen(0, '127.0.0.1', r));
      closers.push(() => new Promise((r) => counter.close(() => r())));
      host = `127.0.0.1:${(counter.address() as net.AddressInfo).port}`;
    });

    it('an untrusted certificate fails at once, is not retried, and says how to trust the CA', async () => {
      const l = await layout('untrusted');
      connections = 0;
      const err = await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${host}/tls/untrusted`], tags: ['v1'], retry: { attempts: 8, baseMs: 1, maxDelayMs: 5, budgetMs: 30_000 } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RegistryError);
      expect((err as Error).message).toMatch(/the TLS certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN)\); a certificate error is permanent and was not retried: pass the CA/);
      expect((err as Error).message).not.toMatch(/attempts/);
      // the scheme probe and one attempt: nothing retried
      expect(connections).toBeLessThanOrEqual(2);
    });

    it('pushes over TLS to the loopback host with the CA given as ca-file, and with NODE_EXTRA_CA_CERTS (CLI)', async () => {
      const l = await layout('trusted');
      const r = await pushImage({ layoutDir: l.dir, digest: l.digest, destinations: [`${host}/tls/app`], tags: ['v1'], retry, caFile: path.join(tmp, 'ca.crt') });
      expect(r.taggedRefs).toEqual([`${host}/tls/app:v1`]);
      const l2 = await layout('trusted-cli');
      const cli = await promisify(execFile)(process.execPath, [CLI, 'push', '--layout', l2.dir, '--digest', l2.digest, '--to', `${host}/tls/cli`, '--tag', 'v2', '--json'], { env: { ...process.env, NODE_EXTRA_CA_CERTS: path.join(tmp, 'ca.crt') } });
      expect(JSON.parse(cli.stdout)).toMatchObject({ digest: l2.digest, refs: [`${host}/tls/cli@${l2.digest}`], tags: [`${host}/tls/cli:v2`] });
      const ca = path.join(tmp, 'ca.crt');
      const served = await promisify(execFile)('curl', ['-s', '--cacert', ca, '-o', '/dev/null', '-w', '%{http_code}', '-H', 'accept: application/vnd.oci.image.manifest.v1+json', `https://${host}/v2/tls/cli/manifests/v2`]);
      expect(served.stdout).toBe('200');
    });
  });
});
