/**
 * Thin `git` runner for the GitOps target, init and the demo: no shell, a clean environment for
 * identity and prompts (never asks for credentials), output collected, a timeout that kills git
 * and what it started (a hung `git push` cannot block a deploy), exit code checked by the caller.
 */
import { execTool } from '../exec.ts';
import { childEnv } from '../runner-context.ts';

/** Result of one git invocation. */
export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link git}. */
export interface GitOptions {
  cwd?: string;
  /** Variables added to the inherited environment. */
  env?: Record<string, string | undefined>;
  /** Text written to stdin. */
  input?: string;
  /** Kill git after this long (default {@link GIT_TIMEOUT_MS}); the result then has code 124 and says so. */
  timeoutMs?: number;
}

/** How long one git command may take by default: 10 minutes (a clone or push of a large repository). */
export const GIT_TIMEOUT_MS = 10 * 60_000;

/** Runs `git args…`; never throws for a non-zero exit (see {@link gitOk}). @throws Error when git cannot be started. */
export async function git(args: readonly string[], opts: GitOptions = {}): Promise<GitResult> {
  const timeoutMs = opts.timeoutMs ?? GIT_TIMEOUT_MS;
  let r;
  try {
    r = await execTool('git', args, {
      cwd: opts.cwd,
      env: childEnv({ GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C', ...opts.env }),
      ...(opts.input !== undefined ? { input: opts.input } : {}),
      timeoutMs,
      maxOutput: 64 * 1024 * 1024,
    });
  } catch (err) {
    throw new Error(`cannot run git: ${(err as Error).message}`, { cause: err });
  }
  if (r.timedOut) return { code: 124, stdout: r.stdout, stderr: `${r.stderr}\ngit ${args[0] ?? ''} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped` };
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

/** Error of a git command that had to succeed. */
export class GitError extends Error {
  override readonly name = 'GitError';
  readonly args: readonly string[];
  readonly code: number;
  readonly stderr: string;
  constructor(args: readonly string[], result: GitResult) {
    super(`git ${args.join(' ')} exited with ${result.code}: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    this.args = args;
    this.code = result.code;
    this.stderr = result.stderr;
  }
}

/** Runs git and returns trimmed stdout. @throws GitError on a non-zero exit. */
export async function gitOk(args: readonly string[], opts: GitOptions = {}): Promise<string> {
  const result = await git(args, opts);
  if (result.code !== 0) throw new GitError(args, result);
  return result.stdout.trim();
}
