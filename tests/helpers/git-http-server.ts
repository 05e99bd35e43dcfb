/**
 * A git smart-HTTP server for tests, standing in for GitHub's git hosting (https://github.com/<o>/<r>.git):
 * the real `git http-backend` (CGI, https://git-scm.com/docs/git-http-backend) serves bare repositories
 * under `root` on a loopback port, behind HTTP Basic authentication as GitHub does for private
 * repositories — user `x-access-token` (any user is accepted) and one of the allowed tokens as password;
 * anything else gets `401` with `WWW-Authenticate: Basic`, so `git` without credentials fails with
 * "could not read Username … terminal prompts disabled" like it does against github.com.
 * Every request is recorded (method, path, service, whether it authenticated) so tests can assert pushes.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the server answered. */
export interface GitHttpRequest {
  method: string;
  /** Path below the server root, e.g. `/octo/gitops.git/git-receive-pack`. */
  path: string;
  /** `git-upload-pack` (fetch/clone) or `git-receive-pack` (push). */
  service: string;
  /** The token the request authenticated with, or undefined (answered 401). */
  token?: string;
}

/** A running server. */
export interface GitHttpServer {
  /** `http://127.0.0.1:<port>` — use it as GITHUB_SERVER_URL so `http.<url>/.extraheader` credentials apply. */
  url: string;
  /** Directory holding the bare repositories (`<root>/<owner>/<repo>.git`). */
  root: string;
  requests: GitHttpRequest[];
  /** Tokens accepted as the Basic password (add more with `tokens.add`). */
  tokens: Set<string>;
  close(): Promise<void>;
}

/** Basic credentials of a request: the password (a token), or undefined. */
function basicPassword(header: string | undefined): string | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : undefined;
}

/** Starts the server on a random loopback port, serving `root`; `tokens` are the accepted passwords. */
export async function startGitHttpServer(root: string, tokens: string[]): Promise<GitHttpServer> {
  const requests: GitHttpRequest[] = [];
  const allowed = new Set(tokens);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const service = url.searchParams.get('service') ?? url.pathname.split('/').pop() ?? '';
    const token = basicPassword(req.headers.authorization);
    const ok = token !== undefined && allowed.has(token);
    requests.push({ method: req.method ?? 'GET', path: url.pathname, service, ...(ok ? { token } : {}) });
    if (!ok) {
      req.resume();
      res.writeHead(401, { 'www-authenticate': 'Basic realm="GitHub"', 'content-type': 'text/plain' }).end('Invalid username or token.\n');
      return;
    }
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH ?? '',
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ''),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
        ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
        // an authenticated user enables receive-pack (push) in http-backend
        REMOTE_USER: 'x-access-token',
        REMOTE_ADDR: '127.0.0.1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      if (!headersDone) res.writeHead(500, { 'content-type': 'text/plain' }).end(`git http-backend exited ${code}: ${stderr}`);
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    root,
    requests,
    tokens: allowed,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
