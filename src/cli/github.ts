/**
 * The CLI's GitHub side: when a token (GITHUB_TOKEN or GH_TOKEN) and GITHUB_REPOSITORY are set,
 * the run's repository with a client, where deployments are then recorded (else in the local log).
 * Imported only by the commands that call GitHub (Octokit weighs on every start that loads it).
 */
import type { GitHubRepo } from '../core/github/api.ts';
import { githubClient, runRepository } from '../actions/lib/github.ts';
import { cliRunner } from './context.ts';
import { progress } from './ui.ts';

/** The run's repository with a client, when a token and GITHUB_REPOSITORY are known. */
export function cliGitHub(): GitHubRepo | undefined {
  return runRepository(cliRunner(), undefined, { log: progress });
}

/** A client of the run's GitHub API (the token when there is one; public data only without). */
export function cliGitHubApi(): ReturnType<typeof githubClient> {
  const r = cliRunner();
  return githubClient({ token: r.github.token, apiUrl: r.github.apiUrl, log: progress });
}
