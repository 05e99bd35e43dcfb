/**
 * Command target: the user's deploy script (`sh -c`), run in the project directory with the
 * digest and environment in its environment variables.
 */
import type { CommandTarget } from './config.ts';
import { execTool } from '../exec.ts';
import { childEnv } from '../runner-context.ts';

/** Environment variables a deploy command receives (on top of the caller's environment). */
export function commandEnv(v: { image: string; digest: string; environment: string; sourceSha: string; previousDigest?: string | undefined }): Record<string, string> {
  return {
    DATAOPS_IMAGE: v.image,
    DATAOPS_DIGEST: v.digest,
    DATAOPS_ENVIRONMENT: v.environment,
    DATAOPS_SOURCE_SHA: v.sourceSha,
    DATAOPS_PREVIOUS_DIGEST: v.previousDigest ?? '',
  };
}

/** Error of a failed deploy command (exit code and the tail of its output). */
export class CommandDeployError extends Error {
  override readonly name = 'CommandDeployError';
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.exitCode = exitCode;
  }
}

/**
 * Runs the deploy command.
 * @throws CommandDeployError on a non-zero exit or timeout.
 */
export async function deployCommand(opts: {
  target: CommandTarget;
  cwd: string;
  image: string;
  digest: string;
  environment: string;
  sourceSha: string;
  previousDigest?: string | undefined;
  log?: (line: string) => void;
}): Promise<{ output: string; durationMs: number }> {
  const r = await execTool('sh', ['-c', opts.target.run], {
    cwd: opts.cwd,
    env: childEnv(commandEnv(opts)),
    timeoutMs: opts.target.timeout_seconds * 1000,
    onOutput: (chunk) => {
      for (const line of chunk.split('\n').filter(Boolean)) opts.log?.(line);
    },
  });
  if (r.timedOut) throw new CommandDeployError(`deploy command timed out after ${opts.target.timeout_seconds}s`, r.code);
  if (r.code !== 0) {
    const tail = (r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ');
    throw new CommandDeployError(`deploy command exited with ${r.code}${tail ? `: ${tail}` : ''}`, r.code);
  }
  return { output: r.stdout, durationMs: r.durationMs };
}
