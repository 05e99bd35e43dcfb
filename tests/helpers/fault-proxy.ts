/**
 * Fault-injecting loopback HTTP proxy in front of a registry: the first `k` requests OF EACH KIND
 * (method + route class, see {@link routeKind}) get a failure (502, 429 with Retry-After, or a
 * dropped connection); later ones are forwarded. `persistent` kinds fail forever. The Host header
 * is forwarded unchanged, so the registry's `Location` answers point back at the proxy.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Failure injected: an HTTP status (answered by the proxy, the registry never sees the request; a
 * 2xx is a false success), `reset` (connection dropped before forwarding), `lost` (forwarded and
 * applied by the registry, then the connection is dropped before the answer reaches the client),
 * `stall` (never answered: the connection stays open until the client gives up), `corrupt`
 * (forwarded; the answer's body reaches the client with its first byte flipped, same length and
 * headers: damage in transit) or `{ applied: status }` (forwarded and applied, then answered with
 * `status` instead).
 */
export type Fault = number | 'reset' | 'lost' | 'stall' | 'corrupt' | { applied: number };

/** A request as the proxy received it. */
export interface SeenRequest {
  kind: string;
  method: string;
  url: string;
  authorization: string | undefined;
}

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
  /** Rewrites the `Location` header of the registry's answers (e.g. to send uploads to another host). */
  rewriteLocation?: (location: string) => string;
  /** Kinds answered with a 307 redirect to the URL this returns for the request's path (instead of forwarding). */
  redirect?: Record<string, (pathAndQuery: string) => string>;
  /** Headers set on forwarded requests (e.g. the credentials a storage host would hold itself). */
  upstreamHeaders?: () => Record<string, string> | Promise<Record<string, string>>;
  /**
   * Kinds the proxy answers itself (the registry never sees them), e.g. `referrers-get` for an API
   * the registry lacks. Without `content-length` in `headers` the body goes out chunked.
   */
  answer?: Record<string, (pathAndQuery: string) => { status: number; headers: Record<string, string>; body: Buffer }>;
  /** Kinds whose forwarded answers lose their `content-length` (sent chunked: the client learns the size only by reading). */
  chunked?: string[];
}

export interface FaultProxy {
  host: string;
  /** Requests seen per kind. */
  seen: Map<string, number>;
  /** Failures injected per kind. */
  injected: Map<string, number>;
  /** Body bytes written to clients per kind (forwarded or answered): what a client that stops reading was sent. */
  sent: Map<string, number>;
  /** Every request received, in order. */
  requests: SeenRequest[];
  /** Changes the failure plan and clears the counters. */
  configure(opts: Omit<FaultProxyOptions, 'target'>): void;
  close(): Promise<void>;
}

/** Route class of a registry request: ping, blob-head, blob-get, upload-post, mount-post, upload-patch, upload-put, upload-get, upload-delete, manifest-head, manifest-get, manifest-put-digest, manifest-put-tag, manifest-delete, tags-list, referrers-get, token. */
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
  if (/\/referrers\/sha256:[^/]+$/.test(p)) return `referrers-${method.toLowerCase()}`;
  return `other-${method.toLowerCase()}`;
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  let plan: Omit<FaultProxyOptions, 'target'> = opts;
  const seen = new Map<string, number>();
  const injected = new Map<string, number>();
  const requests: SeenRequest[] = [];
  const sent = new Map<string, number>();
  /** Writes `chunk` to the client, counting it under `kind`; false when the client's buffer is full. */
  const send = (kind: string, res: http.ServerResponse, chunk: Buffer): boolean => {
    sent.set(kind, (sent.get(kind) ?? 0) + chunk.length);
    return res.write(chunk);
  };
  const server = http.createServer((req, res) => {
    const kind = routeKind(req.method ?? 'GET', req.url ?? '/');
    const n = (seen.get(kind) ?? 0) + 1;
    seen.set(kind, n);
    requests.push({ kind, method: req.method ?? 'GET', url: req.url ?? '/', authorization: req.headers.authorization });
    const answer = plan.answer?.[kind];
    if (answer) {
      req.resume();
      req.on('end', () => {
        const a = answer(req.url ?? '/');
        res.writeHead(a.status, a.headers);
        // in 64 KiB pieces, each after the client took the previous one: a client that stops reading stops the answer
        let at = 0;
        const more = () => {
          while (at < a.body.length && !res.destroyed) {
            const piece = a.body.subarray(at, at + (64 << 10));
            at += piece.length;
            if (!send(kind, res, piece)) return void res.once('drain', more);
          }
          res.end();
        };
        more();
      });
      return;
    }
    const to = plan.redirect?.[kind];
    if (to) {
      req.resume();
      req.on('end', () => res.writeHead(307, { location: to(req.url ?? '/'), 'content-length': '0' }).end());
      return;
    }
    const after = plan.failAfter?.[kind];
    const fail = plan.failMatching?.test(`${req.method} ${req.url}`) || plan.persistent?.includes(kind) || (n <= (plan.failFirst ?? 0) && (!plan.kinds || plan.kinds.includes(kind))) || (after !== undefined && n > after);
    if (fail) {
      injected.set(kind, (injected.get(kind) ?? 0) + 1);
      const fault = typeof plan.fault === 'function' ? plan.fault(kind, n) : (plan.fault ?? 502);
      if (fault === 'lost') {
        forward(req, res, () => req.socket.destroy());
        return;
      }
      if (fault === 'stall') {
        req.resume();
        return;
      }
      if (fault === 'corrupt') {
        forward(req, res, undefined, true);
        return;
      }
      if (typeof fault === 'object') {
        forward(req, res, () => res.writeHead(fault.applied, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: `applied, then answered ${fault.applied} for ${kind} #${n}` }] })));
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
        res.end(fault < 300 ? '' : JSON.stringify({ errors: [{ code: fault === 429 ? 'TOOMANYREQUESTS' : fault < 500 ? 'DENIED' : 'UNAVAILABLE', message: `injected ${fault} for ${kind} #${n}` }] }));
      });
      return;
    }
    forward(req, res);
  });
  /** Forwards to the registry; with `drop`, the registry's answer is swallowed and `drop` called instead; with `corrupt`, its first body byte is flipped. */
  function forward(req: http.IncomingMessage, res: http.ServerResponse, drop?: () => void, corrupt = false): void {
    const kind = routeKind(req.method ?? 'GET', req.url ?? '/');
    const [hostname, port] = opts.target.split(':');
    void Promise.resolve(plan.upstreamHeaders?.() ?? {}).then((extra) => {
      const upstream = http.request({ hostname, port: Number(port), method: req.method, path: req.url, headers: { ...req.headers, ...extra } }, (up) => {
        if (drop) {
          up.resume();
          up.on('end', drop);
          return;
        }
        const headers = { ...up.headers };
        if (headers.location && plan.rewriteLocation) headers.location = plan.rewriteLocation(headers.location);
        if (plan.chunked?.includes(kind)) delete headers['content-length'];
        res.writeHead(up.statusCode ?? 502, headers);
        if (corrupt) {
          let first = true;
          up.on('data', (chunk: Buffer) => {
            if (first && chunk.length > 0) {
              chunk[0] = chunk[0]! ^ 0xff;
              first = false;
            }
            res.write(chunk);
          });
          up.on('end', () => res.end());
          return;
        }
        up.on('data', (chunk: Buffer) => {
          if (!send(kind, res, chunk)) {
            up.pause();
            res.once('drain', () => up.resume());
          }
        });
        up.on('end', () => res.end());
        res.on('close', () => up.destroy());
      });
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(upstream);
    });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    seen,
    injected,
    sent,
    requests,
    configure(next) {
      plan = next;
      seen.clear();
      injected.clear();
      sent.clear();
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
