/**
 * A local HTTP server answering a subset of GitHub's REST API with GitHub's request and response
 * shapes, for tests (the only faked part of the toolkit's world). State is in memory; every request
 * is recorded so tests can assert what was sent.
 *
 * Endpoints (https://docs.github.com/rest):
 * - POST   /repos/{o}/{r}/check-runs, PATCH /repos/{o}/{r}/check-runs/{id},
 *   GET    /repos/{o}/{r}/commits/{ref}/check-runs?check_name=, GET /repos/{o}/{r}/check-runs/{id}/annotations
 * - POST   /repos/{o}/{r}/deployments, GET /repos/{o}/{r}/deployments?environment=&sha=&ref=,
 *   GET    /repos/{o}/{r}/deployments/{id},
 *   POST   /repos/{o}/{r}/deployments/{id}/statuses, GET /repos/{o}/{r}/deployments/{id}/statuses
 * - POST   /repos/{o}/{r}/dispatches (204)
 * - POST   /app/installations/{id}/access_tokens (201, expires in 1 h)
 * - GET    /repos/{o}/{r} (id and owner id, for promotion policy checks)
 * - POST   /repos/{o}/{r}/pulls (GitOps pull requests; 422 when an open one has the same head)
 * - PUT    /repos/{o}/{r}/code-scanning/analysis (what github/codeql-action/upload-sarif calls),
 *   POST   /repos/{o}/{r}/code-scanning/sarifs (the public upload endpoint), GET …/code-scanning/sarifs/{id}:
 *   202 on a repository with code scanning; on a private repository without it (see `codeScanning`)
 *   403 "Advanced Security must be enabled for this repository to use code scanning." or 404 "Not Found"
 *   (https://docs.github.com/en/code-security/code-scanning/troubleshooting-sarif-uploads/ghas-required)
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { githubClient, type GitHubClientOptions } from '../../src/actions/lib/github.ts';
import type { GitHubApi } from '../../src/core/github/api.ts';
import { gunzipSync } from 'node:zlib';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface CheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  external_id?: string;
  details_url?: string;
  output: { title?: string; summary?: string; text?: string; annotations_count: number; annotations: unknown[] };
  started_at?: string;
  completed_at?: string | null;
}

export interface Deployment {
  id: number;
  sha: string;
  ref: string;
  task: string;
  environment: string;
  description: string | null;
  payload: unknown;
  transient_environment: boolean;
  production_environment: boolean;
  created_at: string;
  statuses: Array<{ id: number; state: string; description?: string; environment_url?: string; log_url?: string; environment?: string; created_at: string }>;
}

export interface FakeGitHub {
  url: string;
  token: string;
  requests: RecordedRequest[];
  checkRuns: CheckRun[];
  deployments: Deployment[];
  dispatches: Array<{ repo: string; event_type: string; client_payload: unknown }>;
  repos: Map<string, { id: number; owner: { id: number; login: string }; full_name: string }>;
  pulls: Array<{ number: number; repo: string; title: string; head: string; base: string; body: string; draft: boolean; state: string; html_url: string }>;
  /** A client of this fake as the actions build theirs (throttling off: it spaces writes 1 s apart; fast retries). */
  api(options?: Partial<GitHubClientOptions>): GitHubApi;
  /**
   * Code scanning per repository (`owner/repo`): `enabled` (the default, as on a public repository),
   * `advanced-security-disabled` (a private repository without GitHub Advanced Security / Code
   * Security: uploads answer 403) or `unavailable` (uploads answer 404).
   */
  codeScanning: Map<string, 'enabled' | 'advanced-security-disabled' | 'unavailable'>;
  /** SARIF uploads accepted (the SARIF decoded from its gzip+base64 transport form). */
  sarifUploads: Array<{ id: string; repo: string; commit_sha: string; ref: string; sarif: unknown }>;
  /**
   * Accepts `token` as a job's GITHUB_TOKEN: valid for `repository` only, with `permissions`
   * (scope → none | read | write, https://docs.github.com/en/rest/authentication/permissions-required-for-github-apps).
   * A request outside them answers 403 "Resource not accessible by integration", as GitHub does.
   */
  scopeToken(token: string, repository: string, permissions: Record<string, 'none' | 'read' | 'write'>): void;
  /** Makes the next `n` requests matching `pattern` (e.g. "POST /repos/o/r/check-runs") answer `status` (with `message`, default "Server Error"). */
  failNext(pattern: string, status: number, n?: number, message?: string): void;
  close(): Promise<void>;
}

const json = (status: number, body: unknown) => ({ status, body });

/** The permission a GITHUB_TOKEN needs for a request (scope and level); undefined = metadata, always allowed. */
function requiredPermission(method: string, path: string): { repo: string; scope: string; level: 'read' | 'write' } | undefined {
  const m = /^\/repos\/([^/]+\/[^/]+)(\/.*)?$/.exec(path);
  if (!m) return undefined;
  const rest = m[2] ?? '';
  const level = method === 'GET' ? 'read' : 'write';
  const scope = /^\/(check-runs|commits\/[^/]+\/check-runs)/.test(rest)
    ? 'checks'
    : rest.startsWith('/deployments')
      ? 'deployments'
      : rest === '/dispatches'
        ? 'contents'
        : rest.startsWith('/pulls')
          ? 'pull-requests'
          : rest.startsWith('/code-scanning')
            ? 'security-events'
            : undefined;
  return scope ? { repo: m[1]!, scope, level: rest === '/dispatches' ? 'write' : level } : { repo: m[1]!, scope: 'metadata', level: 'read' };
}

/** Starts the fake on a random loopback port. Requests need `Authorization: Bearer|token <token>`. */
export async function startFakeGitHub(options: { token?: string } = {}): Promise<FakeGitHub> {
  const token = options.token ?? 'ghs_test_token';
  let nextId = 1000;
  const failures: Array<{ pattern: string; status: number; left: number; message?: string }> = [];
  const scoped = new Map<string, { repository: string; permissions: Record<string, 'none' | 'read' | 'write'> }>();
  const state: Omit<FakeGitHub, 'url' | 'close' | 'failNext' | 'scopeToken' | 'token' | 'api'> = {
    requests: [],
    checkRuns: [],
    deployments: [],
    dispatches: [],
    repos: new Map(),
    pulls: [],
    codeScanning: new Map(),
    sarifUploads: [],
  };
  const repoInfo = (full: string) => {
    let r = state.repos.get(full);
    if (!r) {
      const [owner = 'o'] = full.split('/');
      r = { id: 500000 + state.repos.size, owner: { id: 900000 + state.repos.size, login: owner }, full_name: full };
      state.repos.set(full, r);
    }
    return r;
  };

  const route = (method: string, path: string, query: URLSearchParams, body: Record<string, unknown>): { status: number; body: unknown } => {
    let m: RegExpMatchArray | null;
    const now = new Date().toISOString();
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)$/)) && method === 'GET') {
      const r = repoInfo(m[1]!);
      return json(200, { ...r, name: m[1]!.split('/')[1], html_url: `https://github.com/${m[1]}` });
    }
    if ((m = path.match(/^\/repos\/[^/]+\/[^/]+\/check-runs$/)) && method === 'POST') {
      if (!body.name || !body.head_sha) return json(422, { message: 'Invalid request.\n\n"name" and "head_sha" are required.', status: '422' });
      const output = (body.output ?? {}) as { annotations?: unknown[] };
      if ((output.annotations?.length ?? 0) > 50) return json(422, { message: 'Only 50 annotations are allowed per request', status: '422' });
      const run: CheckRun = {
        id: nextId++,
        name: String(body.name),
        head_sha: String(body.head_sha),
        status: String(body.status ?? 'queued'),
        conclusion: (body.conclusion as string) ?? null,
        ...(body.external_id ? { external_id: String(body.external_id) } : {}),
        output: { ...(output as object), annotations: output.annotations ?? [], annotations_count: output.annotations?.length ?? 0 },
        started_at: (body.started_at as string) ?? now,
        completed_at: (body.completed_at as string) ?? null,
      };
      state.checkRuns.push(run);
      return json(201, run);
    }
    if ((m = path.match(/^\/repos\/[^/]+\/[^/]+\/check-runs\/(\d+)$/)) && method === 'PATCH') {
      const run = state.checkRuns.find((r) => r.id === Number(m![1]));
      if (!run) return json(404, { message: 'Not Found', status: '404' });
      const output = body.output as { annotations?: unknown[]; title?: string; summary?: string; text?: string } | undefined;
      if ((output?.annotations?.length ?? 0) > 50) return json(422, { message: 'Only 50 annotations are allowed per request', status: '422' });
      if (body.status) run.status = String(body.status);
      if (body.conclusion) {
        run.conclusion = String(body.conclusion);
        run.status = 'completed';
      }
      if (body.completed_at) run.completed_at = String(body.completed_at);
      if (output) {
        const annotations = [...run.output.annotations, ...(output.annotations ?? [])];
        run.output = { ...run.output, ...output, annotations, annotations_count: annotations.length };
      }
      return json(200, run);
    }
    if ((m = path.match(/^\/repos\/[^/]+\/[^/]+\/check-runs\/(\d+)\/annotations$/)) && method === 'GET') {
      const run = state.checkRuns.find((r) => r.id === Number(m![1]));
      if (!run) return json(404, { message: 'Not Found', status: '404' });
      const perPage = Number(query.get('per_page') ?? 30);
      const page = Number(query.get('page') ?? 1);
      return json(200, run.output.annotations.slice((page - 1) * perPage, page * perPage));
    }
    if ((m = path.match(/^\/repos\/[^/]+\/[^/]+\/commits\/([^/]+)\/check-runs$/)) && method === 'GET') {
      const name = query.get('check_name');
      const runs = state.checkRuns.filter((r) => r.head_sha === m![1] && (!name || r.name === name)).reverse();
      return json(200, { total_count: runs.length, check_runs: runs });
    }
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)\/deployments$/))) {
      if (method === 'POST') {
        if (!body.ref) return json(422, { message: 'Invalid request.\n\n"ref" is required.', status: '422' });
        const d: Deployment = {
          id: nextId++,
          sha: String(body.sha ?? body.ref),
          ref: String(body.ref),
          task: String(body.task ?? 'deploy'),
          environment: String(body.environment ?? 'production'),
          description: (body.description as string) ?? null,
          payload: body.payload ?? {},
          transient_environment: Boolean(body.transient_environment),
          production_environment: Boolean(body.production_environment ?? body.environment === 'production'),
          created_at: now,
          statuses: [],
        };
        state.deployments.push(d);
        const { statuses: _s, ...shape } = d;
        return json(201, { ...shape, url: `/repos/${m[1]}/deployments/${d.id}`, statuses_url: `/repos/${m[1]}/deployments/${d.id}/statuses` });
      }
      if (method === 'GET') {
        const list = state.deployments
          .filter((d) => (!query.get('environment') || d.environment === query.get('environment')) && (!query.get('sha') || d.sha === query.get('sha')) && (!query.get('ref') || d.ref === query.get('ref')))
          .reverse()
          .map(({ statuses: _s, ...d }) => d);
        const perPage = Number(query.get('per_page') ?? 30);
        const page = Number(query.get('page') ?? 1);
        return json(200, list.slice((page - 1) * perPage, page * perPage));
      }
    }
    if ((m = path.match(/^\/repos\/[^/]+\/[^/]+\/deployments\/(\d+)$/)) && method === 'GET') {
      const d = state.deployments.find((x) => x.id === Number(m![1]));
      if (!d) return json(404, { message: 'Not Found', status: '404' });
      const { statuses: _s, ...shape } = d;
      return json(200, shape);
    }
    if ((m = path.match(/^\/repos\/[^/]+\/[^/]+\/deployments\/(\d+)\/statuses$/))) {
      const d = state.deployments.find((x) => x.id === Number(m![1]));
      if (!d) return json(404, { message: 'Not Found', status: '404' });
      if (method === 'POST') {
        const states = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];
        if (!states.includes(String(body.state))) return json(422, { message: `Invalid request.\n\n"state" must be one of ${states.join(', ')}`, status: '422' });
        const s = { id: nextId++, state: String(body.state), created_at: now, ...(body as object) } as Deployment['statuses'][number];
        d.statuses.unshift(s);
        return json(201, s);
      }
      if (method === 'GET') return json(200, d.statuses);
    }
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)\/dispatches$/)) && method === 'POST') {
      const payload = body.client_payload as Record<string, unknown> | undefined;
      if (!body.event_type) return json(422, { message: 'Invalid request.\n\n"event_type" is required.', status: '422' });
      if (payload && Object.keys(payload).length > 10) return json(422, { message: 'client_payload: no more than 10 top-level properties allowed', status: '422' });
      if (payload && JSON.stringify(payload).length > 65_535) return json(422, { message: 'client_payload is too large', status: '422' });
      state.dispatches.push({ repo: m[1]!, event_type: String(body.event_type), client_payload: payload });
      return { status: 204, body: undefined };
    }
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)\/pulls$/)) && method === 'POST') {
      if (!body.title || !body.head || !body.base) return json(422, { message: 'Invalid request.\n\n"title", "head" and "base" are required.', status: '422' });
      if (state.pulls.some((p) => p.repo === m![1] && p.head === body.head && p.state === 'open')) {
        return json(422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${String(body.head)}.` }], status: '422' });
      }
      const number = state.pulls.filter((p) => p.repo === m![1]).length + 1;
      const pr = { number, repo: m[1]!, title: String(body.title), head: String(body.head), base: String(body.base), body: String(body.body ?? ''), draft: Boolean(body.draft), state: 'open', html_url: `https://github.com/${m[1]}/pull/${number}` };
      state.pulls.push(pr);
      return json(201, { id: nextId++, number, state: 'open', title: pr.title, body: pr.body, draft: pr.draft, html_url: pr.html_url, head: { ref: pr.head }, base: { ref: pr.base } });
    }
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)\/code-scanning\/(analysis|sarifs)$/)) && ((m[2] === 'analysis' && method === 'PUT') || (m[2] === 'sarifs' && method === 'POST'))) {
      const mode = state.codeScanning.get(m[1]!) ?? 'enabled';
      if (mode === 'advanced-security-disabled') return json(403, { message: 'Advanced Security must be enabled for this repository to use code scanning.', documentation_url: 'https://docs.github.com/rest/code-scanning/code-scanning#upload-an-analysis-as-sarif-data', status: '403' });
      if (mode === 'unavailable') return json(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/code-scanning/code-scanning#upload-an-analysis-as-sarif-data', status: '404' });
      const commit = String(body.commit_sha ?? body.commit_oid ?? '');
      if (!/^[0-9a-f]{40}$/.test(commit) || !/^refs\/(heads|pull|tags)\//.test(String(body.ref ?? '')) || typeof body.sarif !== 'string') {
        return json(422, { message: 'Invalid request.\n\n"commit_sha", "ref" (refs/heads|pull|tags/…) and "sarif" are required.', status: '422' });
      }
      let sarif: unknown;
      try {
        sarif = JSON.parse(gunzipSync(Buffer.from(body.sarif, 'base64')).toString('utf8'));
      } catch {
        return json(400, { message: 'Invalid request.\n\n"sarif" is not gzip-compressed, base64-encoded JSON.', status: '400' });
      }
      const id = `sarif-${nextId++}`;
      state.sarifUploads.push({ id, repo: m[1]!, commit_sha: commit, ref: String(body.ref), sarif });
      return json(202, { id, url: `/repos/${m[1]}/code-scanning/sarifs/${id}` });
    }
    if ((m = path.match(/^\/repos\/([^/]+\/[^/]+)\/code-scanning\/sarifs\/([^/]+)$/)) && method === 'GET') {
      if (!state.sarifUploads.some((u) => u.id === m![2])) return json(404, { message: 'Not Found', status: '404' });
      return json(200, { processing_status: 'complete', analyses_url: `/repos/${m[1]}/code-scanning/analyses?sarif_id=${m[2]}` });
    }
    if ((m = path.match(/^\/app\/installations\/(\d+)\/access_tokens$/)) && method === 'POST') {
      return json(201, { token: `ghs_installation_${m[1]}_${nextId++}`, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: body.permissions ?? { contents: 'write' } });
    }
    return json(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = undefined;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Problems parsing JSON' }));
        return;
      }
      state.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body });
      const auth = req.headers.authorization ?? '';
      // the scheme is case-insensitive (RFC 9110): Octokit sends "token <t>", and "bearer <jwt>" for an app JWT
      const [scheme = '', credential = ''] = auth.split(' ');
      const isAppJwt = url.pathname.startsWith('/app/') && /^bearer$/i.test(scheme) && credential.startsWith('ey');
      const jobToken = /^(bearer|token)$/i.test(scheme) ? scoped.get(credential) : undefined;
      if (!isAppJwt && !jobToken && !(/^(bearer|token)$/i.test(scheme) && (credential === token || credential.startsWith('ghs_installation_')))) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Bad credentials', status: '401' }));
        return;
      }
      const needed = jobToken ? requiredPermission(req.method ?? 'GET', url.pathname) : undefined;
      const rank = { none: 0, read: 1, write: 2 } as const;
      if (jobToken && (url.pathname.startsWith('/app/') || (needed && (needed.repo !== jobToken.repository || (needed.scope !== 'metadata' && rank[jobToken.permissions[needed.scope] ?? 'none'] < rank[needed.level]))))) {
        res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest', status: '403' }));
        return;
      }
      const key = `${req.method} ${url.pathname}`;
      const failure = failures.find((f) => f.left > 0 && key.startsWith(f.pattern));
      if (failure) {
        failure.left--;
        res.writeHead(failure.status, { 'content-type': 'application/json' }).end(JSON.stringify({ message: failure.message ?? 'Server Error' }));
        return;
      }
      const out = route(req.method ?? 'GET', url.pathname, url.searchParams, (body ?? {}) as Record<string, unknown>);
      if (out.body === undefined) res.writeHead(out.status).end();
      else res.writeHead(out.status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(out.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...state,
    url: `http://127.0.0.1:${port}`,
    token,
    api: (options = {}) => githubClient({ token, apiUrl: `http://127.0.0.1:${port}`, throttle: false, retryBaseMs: 1, ...options }),
    scopeToken: (t, repository, permissions) => void scoped.set(t, { repository, permissions }),
    failNext: (pattern, status, n = 1, message) => failures.push({ pattern, status, left: n, ...(message ? { message } : {}) }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
