/**
 * What every CLI command knows about the machine: the runner context (read once; on a GitHub
 * runner the CLI sees the same facts as the actions). The GitHub client lives in github.ts, so
 * commands that never call GitHub do not load Octokit.
 */
import { runnerContext, type RunnerContext } from '../core/runner-context.ts';

/** The runner context of this process (read on first use). */
let runner: RunnerContext | undefined;

/** The runner context of this process. */
export function cliRunner(): RunnerContext {
  runner ??= runnerContext();
  return runner;
}
