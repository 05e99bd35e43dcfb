/**
 * What every CLI command knows about the machine: the runner context (read once; on a GitHub
 * runner the CLI sees the same facts as the actions) and, when a token (GITHUB_TOKEN or GH_TOKEN)
 * and GITHUB_REPOSITORY are set, the run's repository with a client, where deployments are then
 * recorded (else in the local log).
 */
import type { GitHubRepo } from '../core/github/api.ts';
import { runnerContext, type RunnerContext } from '../core/runner-context.ts';
import { githubClient, runRepository } from '../actions/lib/github.ts';
import { progress } from './ui.ts';

/** The runner context of this process (read on first use). */
let runner: RunnerContext | undefined;

/** The runner context of this process. */
export function cliRunner(): RunnerContext {
  runner ??= runnerContext();
  return runner;
}

/** The run's repository with a client, when a token and GITHUB_REPOSITORY are known. */
export function cliGitHub(): GitHubRepo | undefined {
  return runRepository(cliRunner(), undefined, { log: progress });
}

/** A client of the run's GitHub API (the token when there is one; public data only without). */
export function cliGitHubApi(): ReturnType<typeof githubClient> {
  const r = cliRunner();
  return githubClient({ token: r.github.token, apiUrl: r.github.apiUrl, log: progress });
}
