/**
 * The one child-process helper of the core: runs a tool (buildah, docker, podman, skopeo, git,
 * kubectl, a user's deploy script) without a shell, collects stdout/stderr (the tail), enforces a
 * timeout that kills the whole process group (SIGTERM, then SIGKILL after 5 s) and never throws for
 * a non-zero exit: callers decide what an exit code means.
 */
import { spawn } from 'node:child_process';

/** Result of {@link execTool}. `code` is the exit code (128 + signal number when killed). */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

/** Options of {@link execTool}. */
export interface ExecOptions {
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Kill the process (group) after this many milliseconds. */
  timeoutMs?: number | undefined;
  /** Called with each chunk of stderr (progress lines). */
  onStderr?: (chunk: string) => void;
  /** Called with each chunk of stdout and stderr, as they arrive (live logs of user scripts). */
  onOutput?: (chunk: string) => void;
  /** Bytes written to stdin, then closed. */
  input?: string | undefined;
  /** Keep at most this many characters of each stream (the tail). Default 4 MiB. */
  maxOutput?: number;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/**
 * Runs `cmd args…` and resolves with its exit code and output.
 * @throws Error only when the executable cannot be started (ENOENT etc.).
 */
export function execTool(cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const max = opts.maxOutput ?? 4 * 1024 * 1024;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        child.kill(signal);
      }
    };
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            killGroup('SIGTERM');
            killTimer = setTimeout(() => killGroup('SIGKILL'), 5000);
          }, opts.timeoutMs)
        : undefined;
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout = (stdout + c).slice(-max);
      opts.onOutput?.(c);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr = (stderr + c).slice(-max);
      opts.onStderr?.(c);
      opts.onOutput?.(c);
    });
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      resolve({ code: code ?? 128 + (signal ? (SIGNALS[signal] ?? 1) : 1), stdout, stderr, timedOut, durationMs: performance.now() - started });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** True when `cmd` can be started (found on PATH). */
export async function hasTool(cmd: string, versionArgs: readonly string[] = ['--version']): Promise<boolean> {
  try {
    const r = await execTool(cmd, versionArgs, { timeoutMs: 15_000 });
    return r.code === 0;
  } catch {
    return false;
  }
}
