/**
 * The GitHub REST client of the actions and the CLI: @actions/github's Octokit (the runner's
 * proxy settings included) with @octokit/plugin-retry (5xx and network failures, with backoff)
 * and @octokit/plugin-throttling (primary and secondary rate limits: waits and retries up to
 * twice; writes spaced as GitHub asks), the REST API of the run's server (`GITHUB_API_URL`: GitHub
 * Enterprise Server answers at https://HOST/api/v3), the documented API version header and a
 * timeout per attempt (a timed-out attempt is retried like a 5xx). The core receives it as a {@link GitHubApi} (src/core/github/api.ts).
 * Octokit and its plugins (with @actions/http-client and undici) load on the first request, not
 * when this module or a client is made: an action or CLI command that never calls GitHub starts
 * without them.
 */
import type { GitHubApi, GitHubRepo } from '../../core/github/api.ts';
import { parseRepository } from '../../core/fields.ts';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from './core.ts';
import type { RunnerContext } from '../../core/runner-context.ts';

/** The REST API version the toolkit is written against (https://docs.github.com/rest/about-the-rest-api/api-versions). */
export const API_VERSION = '2022-11-28';

/** Options of {@link githubClient}. */
export interface GitHubClientOptions {
  /** A token: GITHUB_TOKEN, an installation token or a PAT; none for public data only. */
  token?: string | undefined;
  /** REST API URL: the runner context's `github.apiUrl`. */
  apiUrl: string;
  /** Abort one request after this long (default 30 s); the retry plugin then tries again. */
  timeoutMs?: number;
  /** Retries of a 5xx or network failure (default 3), backoff base in ms (default 1000: waits 1 s, 4 s, 9 s). */
  retries?: number;
  retryBaseMs?: number;
  /** Rate-limit throttling (default on; tests against a local fake turn it off: it spaces writes 1 s apart). */
  throttle?: boolean;
  userAgent?: string;
  /** Warnings (rate limits hit), e.g. core.warning. */
  log?: (line: string) => void;
}

/** The Octokit class with the retry and throttling plugins, loaded once on first use. */
let octokitClass: ReturnType<typeof pluginsOn> | undefined;
async function pluginsOn() {
  const [{ GitHub }, { retry }, { throttling }] = await Promise.all([import('@actions/github/lib/utils'), import('@octokit/plugin-retry'), import('@octokit/plugin-throttling')]);
  return GitHub.plugin(retry, throttling);
}

/** Builds the client; Octokit loads on its first request (a failed load is retried by the next one). */
export function githubClient(options: GitHubClientOptions): GitHubApi {
  let client: ReturnType<typeof octokitOf> | undefined;
  const request = (async (route: string, parameters?: Record<string, unknown>) => {
    client ??= octokitOf(options).catch((err: unknown) => {
      client = undefined;
      octokitClass = undefined;
      throw err;
    });
    return (await client).request(route, parameters);
  }) as GitHubApi['request'];
  return { request };
}

/** The Octokit of {@link githubClient}: plugins, server, user agent, API version header, timeout per attempt. */
async function octokitOf(options: GitHubClientOptions) {
  const log = options.log ?? (() => undefined);
  const Client = await (octokitClass ??= pluginsOn());
  const octokit = new Client({
      ...(options.token ? { auth: options.token } : {}),
      baseUrl: options.apiUrl.replace(/\/+$/, ''),
      userAgent: options.userAgent ?? 'dataops-actions',
      retry: { retries: options.retries ?? 3, retryAfterBaseValue: options.retryBaseMs ?? 1000 },
      throttle: {
        enabled: options.throttle !== false,
        onRateLimit: (after: number, req: { method: string; url: string }, _o: unknown, retryCount: number) => {
          log(`GitHub API rate limit hit by ${req.method} ${req.url}; ${retryCount < 2 ? `retrying after ${after} s` : 'giving up'}`);
          return retryCount < 2;
        },
        onSecondaryRateLimit: (after: number, req: { method: string; url: string }, _o: unknown, retryCount: number) => {
          log(`GitHub API secondary rate limit hit by ${req.method} ${req.url}; ${retryCount < 2 ? `retrying after ${after} s` : 'giving up'}`);
          return retryCount < 2;
        },
      },
    });
  const timeoutMs = options.timeoutMs ?? 30_000;
  octokit.hook.before('request', (req) => {
    req.headers['x-github-api-version'] = API_VERSION;
    // a fresh timeout per attempt (the retry plugin calls fetch again); a timeout is a 500 to it, so it is retried
    const inner = (req.request?.fetch as typeof fetch | undefined) ?? globalThis.fetch;
    const timed: typeof fetch = (url, init) => inner(url, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs) });
    req.request = { ...req.request, fetch: timed };
  });
  return octokit;
}

/**
 * The run's own repository (`GITHUB_REPOSITORY`) with a client for it: `token` (an action's input),
 * else the context's GITHUB_TOKEN/GH_TOKEN. Undefined when the token or the repository is unknown
 * (deployments are then recorded locally, check runs skipped).
 * @throws ConfigError when GITHUB_REPOSITORY is not owner/repo.
 */
export function runRepository(ctx: RunnerContext, token: string | undefined = ctx.github.token, options: Partial<GitHubClientOptions> = {}): GitHubRepo | undefined {
  if (!token || !ctx.github.repository) return undefined;
  const { owner, repo } = parseRepository(ctx.github.repository, 'GITHUB_REPOSITORY');
  return { api: githubClient({ apiUrl: ctx.github.apiUrl, ...options, token }), owner, repo };
}

/**
 * Git config through the environment (GIT_CONFIG_COUNT…, inherited by every git the deploy runs):
 * an Authorization header for the run's server (github.com or GitHub Enterprise Server), so the
 * GitOps clone and push authenticate with `token` (a GITOPS_TOKEN secret or a GitHub App
 * installation token) without writing it to any git config file. The token is masked.
 */
export function gitAuthEnv(token: string, runner: RunnerContext): void {
  core.setSecret(token);
  const server = runner.github.serverUrl;
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  core.setSecret(basic);
  const n = Number(process.env.GIT_CONFIG_COUNT ?? 0);
  process.env.GIT_CONFIG_COUNT = String(n + 1);
  process.env[`GIT_CONFIG_KEY_${n}`] = `http.${server}/.extraheader`;
  process.env[`GIT_CONFIG_VALUE_${n}`] = `AUTHORIZATION: basic ${basic}`;
}

/**
 * The credentials a deploy target reads from the job (docs/workflows.md, "Credentials per target"):
 * `gitops-token` for git over HTTPS ({@link gitAuthEnv}); `kubeconfig`, the content of a kubeconfig
 * (a KUBECONFIG secret), written to `<RUNNER_TEMP>/dataops-kubeconfig-<random>` (mode 0600) and
 * exported as KUBECONFIG for the kubectl the deploy runs. Both are masked. Google's credentials come
 * from google-github-actions/auth (GOOGLE_APPLICATION_CREDENTIALS), not from here.
 */
export async function deployCredentials(inputs: { 'gitops-token'?: string | undefined; kubeconfig?: string | undefined }, runner: RunnerContext): Promise<void> {
  if (inputs['gitops-token']) gitAuthEnv(inputs['gitops-token'], runner);
  const kubeconfig = inputs.kubeconfig?.trim();
  if (kubeconfig) {
    for (const line of kubeconfig.split('\n')) if (line.trim().length > 8) core.setSecret(line.trim());
    const file = path.join(runner.temp, `dataops-kubeconfig-${randomBytes(6).toString('hex')}`);
    await writeFile(file, `${kubeconfig}\n`, { mode: 0o600 });
    process.env.KUBECONFIG = file;
  }
}
