/**
 * Thin `git` runner for the GitOps target: no shell, a clean environment for identity and
 * prompts (never asks for credentials), output collected, exit code checked by the caller.
 */
import { execFile } from 'node:child_process';

/** Result of one git invocation. */
export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link git}. */
export interface GitOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Text written to stdin. */
  input?: string;
}

/** Runs `git args…`; never throws for a non-zero exit (see {@link gitOk}). */
export function git(args: readonly string[], opts: GitOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      {
        cwd: opts.cwd,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C', ...opts.env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (err && typeof (err as { code?: unknown }).code !== 'number') {
          reject(new Error(`cannot run git: ${err.message}`, { cause: err }));
          return;
        }
        resolve({ code: err ? Number((err as { code?: number }).code) : 0, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
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
