/**
 * The GitHub REST API as the core sees it: the `request(route, parameters)` method of an Octokit
 * client (https://github.com/octokit/core.js), typed by route from GitHub's OpenAPI description
 * (@octokit/types), e.g. `api.request('POST /repos/{owner}/{repo}/check-runs', {…})`.
 *
 * The core depends on @octokit/core's types only: the client itself is built outside the core,
 * by the action layer and the CLI (src/actions/lib/github.ts: @actions/github's Octokit with
 * @octokit/plugin-retry and @octokit/plugin-throttling, the API URL of the run's server (GitHub
 * Enterprise Server included) and a timeout per request), and handed in. Tests build the same
 * client against the local fake of the API.
 */
import type { Octokit } from '@octokit/core';

/** The part of an Octokit client the core uses. */
export type GitHubApi = Pick<Octokit, 'request'>;

/** A repository on GitHub and the client that reaches it. */
export interface GitHubRepo {
  api: GitHubApi;
  owner: string;
  repo: string;
}

/** The HTTP status of a failed API request (an Octokit `RequestError`), undefined for other errors. */
export function apiStatus(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && (err as { request?: unknown }).request !== undefined ? status : undefined;
}
