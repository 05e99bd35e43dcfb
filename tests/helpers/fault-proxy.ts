/**
 * Fault-injecting loopback HTTP proxy in front of a registry: the first `k` requests OF EACH KIND
 * (method + route class, see {@link routeKind}) get a failure (502, 429 with Retry-After, or a
 * dropped connection); later ones are forwarded. `persistent` kinds fail forever. The Host header
 * is forwarded unchanged, so the registry's `Location` answers point back at the proxy.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Failure injected: an HTTP status (answered by the proxy, the registry never sees the request),
 * `reset` (connection dropped before forwarding) or `lost` (forwarded and applied by the registry,
 * then the connection is dropped before the answer reaches the client).
 */
export type Fault = number | 'reset' | 'lost';

export interface FaultProxyOptions {
  /** `host:port` of the registry. */
  target: string;
  /** Failures per kind before requests pass (default 0). */
  failFirst?: number;
  /** Restrict `failFirst` to these kinds (default: every kind). */
  kinds?: string[];
  /** Kinds that always fail. */
  persistent?: string[];
  /** Kinds whose requests fail once more than this many of them were seen. */
  failAfter?: Record<string, number>;
  /** Requests whose `METHOD path?query` matches always fail. */
  failMatching?: RegExp;
  /** What the injected failure is; a function may vary it per kind/number (default 502). */
  fault?: Fault | ((kind: string, n: number) => Fault);
}

export interface FaultProxy {
  host: string;
  /** Requests seen per kind. */
  seen: Map<string, number>;
  /** Failures injected per kind. */
  injected: Map<string, number>;
  /** Changes the failure plan and clears the counters. */
  configure(opts: Omit<FaultProxyOptions, 'target'>): void;
  close(): Promise<void>;
}

/** Route class of a registry request: ping, blob-head, blob-get, upload-post, mount-post, upload-patch, upload-put, upload-get, upload-delete, manifest-head, manifest-get, manifest-put-digest, manifest-put-tag, manifest-delete, tags-list, token. */
export function routeKind(method: string, url: string): string {
  const u = new URL(url, 'http://x');
  const p = u.pathname;
  if (p === '/v2/' || p === '/v2') return 'ping';
  if (/\/blobs\/uploads\/?$/.test(p) && method === 'POST') return u.searchParams.has('mount') ? 'mount-post' : 'upload-post';
  if (/\/blobs\/uploads\/[^/]+$/.test(p)) return `upload-${method.toLowerCase()}`;
  if (/\/blobs\/sha256:/.test(p)) return `blob-${method.toLowerCase()}`;
  const m = /\/manifests\/([^/]+)$/.exec(p);
  if (m) return method === 'PUT' ? (m[1]!.startsWith('sha256:') ? 'manifest-put-digest' : 'manifest-put-tag') : `manifest-${method.toLowerCase()}`;
  if (p.endsWith('/tags/list')) return 'tags-list';
  return `other-${method.toLowerCase()}`;
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  let plan: Omit<FaultProxyOptions, 'target'> = opts;
  const seen = new Map<string, number>();
  const injected = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const kind = routeKind(req.method ?? 'GET', req.url ?? '/');
    const n = (seen.get(kind) ?? 0) + 1;
    seen.set(kind, n);
    const after = plan.failAfter?.[kind];
    const fail = plan.failMatching?.test(`${req.method} ${req.url}`) || plan.persistent?.includes(kind) || (n <= (plan.failFirst ?? 0) && (!plan.kinds || plan.kinds.includes(kind))) || (after !== undefined && n > after);
    if (fail) {
      injected.set(kind, (injected.get(kind) ?? 0) + 1);
      const fault = typeof plan.fault === 'function' ? plan.fault(kind, n) : (plan.fault ?? 502);
      if (fault === 'lost') {
        forward(req, res, () => req.socket.destroy());
        return;
      }
      req.resume();
      req.on('end', () => {
        if (fault === 'reset') {
          req.socket.destroy();
          return;
        }
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (fault === 429) headers['retry-after'] = '0';
        res.writeHead(fault, headers);
        res.end(JSON.stringify({ errors: [{ code: fault === 429 ? 'TOOMANYREQUESTS' : fault < 500 ? 'DENIED' : 'UNAVAILABLE', message: `injected ${fault} for ${kind} #${n}` }] }));
      });
      return;
    }
    forward(req, res);
  });
  /** Forwards to the registry; with `drop`, the registry's answer is swallowed and `drop` called instead. */
  function forward(req: http.IncomingMessage, res: http.ServerResponse, drop?: () => void): void {
    const [hostname, port] = opts.target.split(':');
    const upstream = http.request({ hostname, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (up) => {
      if (drop) {
        up.resume();
        up.on('end', drop);
        return;
      }
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    seen,
    injected,
    configure(next) {
      plan = next;
      seen.clear();
      injected.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
