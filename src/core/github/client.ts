/**
 * Minimal GitHub REST client for the core (no @actions/* import): fetch with the documented
 * headers (`Accept: application/vnd.github+json`, `X-GitHub-Api-Version: 2022-11-28`), retries on
 * 5xx/429/connection errors, and errors that say which endpoint failed and why.
 * Base URL from `GITHUB_API_URL` (GitHub Enterprise and the tests' fake server use it).
 */
import { ConfigError } from '../errors.ts';
import { isRetryableNetworkError, isRetryableStatus, retry, type RetryPolicy } from '../retry.ts';

/** Error response of the GitHub REST API. */
export class GitHubApiError extends Error {
  override readonly name = 'GitHubApiError';
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly body: unknown;
  constructor(method: string, path: string, status: number, body: unknown) {
    const msg = (body as { message?: string } | undefined)?.message ?? '';
    super(`GitHub API ${method} ${path} answered ${status}${msg ? `: ${msg}` : ''}`);
    this.method = method;
    this.path = path;
    this.status = status;
    this.body = body;
  }
}

/** Options of {@link GitHubClient}. */
export interface GitHubClientOptions {
  /** Token: GITHUB_TOKEN, an installation token or a PAT. */
  token: string;
  /** API base URL (default `GITHUB_API_URL` or https://api.github.com). */
  baseUrl?: string;
  retry?: RetryPolicy;
  userAgent?: string;
}

/** A small, typed-at-the-call-site GitHub REST client. */
export class GitHubClient {
  readonly baseUrl: string;
  private readonly token: string;
  private readonly retryPolicy: RetryPolicy;
  private readonly userAgent: string;

  constructor(options: GitHubClientOptions) {
    if (!options.token) throw new ConfigError('no GitHub token', { location: { field: 'token' }, fix: 'Pass the "token" input (usually ${{ github.token }}) or set GITHUB_TOKEN.' });
    this.token = options.token;
    this.baseUrl = (options.baseUrl ?? process.env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/$/, '');
    this.retryPolicy = options.retry ?? { attempts: 5, baseMs: 300, budgetMs: 30_000 };
    this.userAgent = options.userAgent ?? 'dataops-actions';
  }

  /**
   * Sends a request; resolves the parsed JSON body (undefined for 204).
   * @throws GitHubApiError for a non-2xx answer after retries (4xx other than 408/429 are not retried).
   */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return retry(
      async () => {
        const res = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers: {
            accept: 'application/vnd.github+json',
            authorization: `Bearer ${this.token}`,
            'x-github-api-version': '2022-11-28',
            'user-agent': this.userAgent,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await res.text();
        let parsed: unknown = undefined;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = { message: text.slice(0, 200) };
        }
        if (!res.ok) throw new GitHubApiError(method, path, res.status, parsed);
        return parsed as T;
      },
      (err) => (err instanceof GitHubApiError ? isRetryableStatus(err.status) : isRetryableNetworkError(err)),
      this.retryPolicy,
    );
  }
}

/** `owner/repo` split and checked. @throws ConfigError for anything else. */
export function parseRepository(value: string, field = 'repository'): { owner: string; repo: string } {
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(value);
  if (!m) throw new ConfigError(`"${value}" is not an owner/repo name`, { location: { field }, fix: 'Write it as owner/repo, e.g. octo-org/pipeline.' });
  return { owner: m[1]!, repo: m[2]! };
}
