/**
 * A loopback registry for the local demo and the tests: Debian's `docker-registry` (CNCF
 * distribution 2.x) serving plain HTTP on 127.0.0.1 at a free port, filesystem storage under a
 * temp (or given) directory, deletes enabled, optional htpasswd (bcrypt) basic auth or Docker
 * token auth, optional TLS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { registryBinary } from '../runner-context.ts';

/** Options of {@link startLocalRegistry}. */
export interface LocalRegistryOptions {
  /** Storage root (kept after stop). Default: a temp directory removed by `stop()`. */
  dataDir?: string;
  /** htpasswd file (bcrypt entries) turning on basic auth. */
  htpasswd?: string;
  /**
   * Docker token authentication (distribution `auth.token`): clients are sent to `realm` for a JWT
   * issued by `issuer` for `service`, signed by the key of a certificate in `rootCertBundle` (PEM).
   */
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
  /** Serve HTTPS with this certificate and key (PEM files); `host` stays 127.0.0.1:<port>. */
  tls?: { certificate: string; key: string };
  /** Executable (default `docker-registry`, or `$DATAOPS_REGISTRY_BIN`). */
  binary?: string;
  /** Give up waiting for `/v2/` after this many milliseconds (default 20 000). */
  startTimeoutMs?: number;
}

/** A running loopback registry. */
export interface LocalRegistry {
  /** `127.0.0.1:<port>`. */
  host: string;
  /** Storage root. */
  dataDir: string;
  /** Registry log file. */
  logFile: string;
  /** Stops the process (SIGTERM, SIGKILL after 5 s) and removes temp storage. Idempotent. */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function configYaml(host: string, dataDir: string, opts: LocalRegistryOptions): string {
  const { htpasswd, token, tls } = opts;
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(dataDir)}`,
    '  delete:',
    '    enabled: true',
    '  cache:',
    '    blobdescriptor: inmemory',
    'http:',
    `  addr: ${host}`,
    `  secret: ${JSON.stringify(Math.random().toString(36).slice(2))}`,
    ...(tls ? ['  tls:', `    certificate: ${JSON.stringify(tls.certificate)}`, `    key: ${JSON.stringify(tls.key)}`] : []),
    ...(htpasswd ? ['auth:', '  htpasswd:', '    realm: dataops-local', `    path: ${JSON.stringify(htpasswd)}`] : []),
    ...(token ? ['auth:', '  token:', `    realm: ${JSON.stringify(token.realm)}`, `    service: ${JSON.stringify(token.service)}`, `    issuer: ${JSON.stringify(token.issuer)}`, `    rootcertbundle: ${JSON.stringify(token.rootCertBundle)}`] : []),
    '',
  ].join('\n');
}

/** Status of `GET /v2/` (over TLS without checking the certificate: this only waits for the process); undefined while it does not answer. */
function probe(host: string, tls: boolean): Promise<number | undefined> {
  const [hostname, port] = host.split(':');
  return new Promise((resolve) => {
    const req = (tls ? https : http).get({ hostname, port: Number(port), path: '/v2/', timeout: 2000, ...(tls ? { rejectUnauthorized: false } : {}) }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

/**
 * Starts `docker-registry serve` on a free loopback port and waits until `GET /v2/` answers.
 * @throws ConfigError when the binary is missing; Error with the registry's log when it does not come up.
 */
export async function startLocalRegistry(opts: LocalRegistryOptions = {}): Promise<LocalRegistry> {
  const binary = opts.binary ?? registryBinary();
  const runDir = await mkdtemp(path.join(os.tmpdir(), 'dataops-registry-'));
  const dataDir = opts.dataDir ? path.resolve(opts.dataDir) : path.join(runDir, 'data');
  await mkdir(dataDir, { recursive: true });
  const logFile = path.join(runDir, 'registry.log');
  let lastError = '';
  for (let tryNo = 0; tryNo < 5; tryNo++) {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const cfg = path.join(runDir, 'config.yml');
    await writeFile(cfg, configYaml(host, dataDir, opts));
    const log = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(binary, ['serve', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    const spawnError = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', (err) => resolve(err));
    });
    if (spawnError) {
      log.end();
      await rm(runDir, { recursive: true, force: true });
      if (spawnError.code === 'ENOENT') {
        throw new ConfigError(`"${binary}" is not installed: the local registry cannot start`, { fix: 'Install it (apt-get install docker-registry), or configure image.push.registry to push to a real registry.' });
      }
      throw spawnError;
    }
    const deadline = Date.now() + (opts.startTimeoutMs ?? 20_000);
    let up = false;
    while (Date.now() < deadline && child.exitCode === null) {
      const status = await probe(host, Boolean(opts.tls));
      if (status === 200 || status === 401) {
        up = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (up) {
      let stopped = false;
      return {
        host,
        dataDir,
        logFile,
        async stop() {
          if (stopped) return;
          stopped = true;
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
            await exited(child);
            clearTimeout(timer);
          }
          log.end();
          await rm(runDir, { recursive: true, force: true });
        },
      };
    }
    if (child.exitCode === null) {
      child.kill('SIGKILL');
    }
    await exited(child);
    log.end();
    lastError = (await readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join('\n');
    // another process took the port between probe and bind: try another one
    if (!/address already in use/.test(lastError)) break;
  }
  await rm(runDir, { recursive: true, force: true });
  throw new Error(`docker-registry did not start: ${lastError || 'no answer on /v2/'}`);
}
