/**
 * The one child-process helper of the core: runs a tool (buildah, docker, podman, skopeo, git,
 * kubectl, a user's deploy script) without a shell, collects stdout/stderr (the tail), enforces a
 * timeout that kills the whole process group (SIGTERM, then SIGKILL after 5 s) and never throws for
 * a non-zero exit: callers decide what an exit code means. Output can go straight to files
 * (`outputFiles`) for commands that may write without bound, and an AbortSignal stops the group.
 */
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

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
  /**
   * Write stdout and stderr straight to these files (the child's descriptors are the files: no
   * copy through this process, whatever the volume). `stdout`/`stderr` of the result are then the
   * last `maxOutput` bytes of each file. `onStderr`/`onOutput` are not called.
   */
  outputFiles?: { stdout: string; stderr: string };
  /** Aborting kills the process group like the timeout does (SIGTERM, then SIGKILL after `killGraceMs`). */
  signal?: AbortSignal;
  /** Milliseconds between SIGTERM and SIGKILL when timing out or aborting. Default 5000. */
  killGraceMs?: number;
  /** Run through the platform shell (only for `.cmd` launchers such as npm on Windows; arguments are then the shell's to parse). */
  shell?: boolean;
}

/** The last `max` bytes of `file` as text ('' when it cannot be read). */
export function fileTail(file: string, max: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, max);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    return buf.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Keeps the last `max` characters of a stream without copying the whole tail on every chunk. */
class Tail {
  private chunks: string[] = [];
  private length = 0;
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  push(chunk: string): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
    while (this.chunks.length > 1 && this.length - this.chunks[0]!.length >= this.max) this.length -= this.chunks.shift()!.length;
  }
  toString(): string {
    return this.chunks.join('').slice(-this.max);
  }
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/**
 * Runs `cmd args…` and resolves with its exit code and output.
 * @throws Error only when the executable cannot be started (ENOENT etc.).
 */
export function execTool(cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const max = opts.maxOutput ?? 4 * 1024 * 1024;
  const started = performance.now();
  const files = opts.outputFiles ? { stdout: openSync(opts.outputFiles.stdout, 'w'), stderr: openSync(opts.outputFiles.stderr, 'w') } : undefined;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, ...(opts.env ? { env: opts.env } : {}), ...(opts.shell ? { shell: true } : {}), stdio: ['pipe', files ? files.stdout : 'pipe', files ? files.stderr : 'pipe'], detached: true });
    if (files) {
      // the child holds its own copies of the descriptors
      closeSync(files.stdout);
      closeSync(files.stderr);
    }
    const stdout = new Tail(max);
    const stderr = new Tail(max);
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        child.kill(signal);
      }
    };
    const stop = () => {
      if (killTimer) return;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), opts.killGraceMs ?? 5000);
    };
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            stop();
          }, opts.timeoutMs)
        : undefined;
    const onAbort = () => stop();
    if (opts.signal?.aborted) stop();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout?.setEncoding('utf8').on('data', (c: string) => {
      stdout.push(c);
      opts.onOutput?.(c);
    });
    child.stderr?.setEncoding('utf8').on('data', (c: string) => {
      stderr.push(c);
      opts.onStderr?.(c);
      opts.onOutput?.(c);
    });
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      const out = opts.outputFiles ? fileTail(opts.outputFiles.stdout, max) : stdout.toString();
      const err = opts.outputFiles ? fileTail(opts.outputFiles.stderr, max) : stderr.toString();
      resolve({ code: code ?? 128 + (signal ? (SIGNALS[signal] ?? 1) : 1), stdout: out, stderr: err, timedOut, durationMs: performance.now() - started });
    });
    child.stdin?.on('error', () => {});
    child.stdin?.end(opts.input ?? '');
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
