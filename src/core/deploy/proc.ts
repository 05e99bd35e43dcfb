/**
 * Child processes of the deploy targets (kubectl, user scripts): no shell unless asked, output
 * collected (tail kept), timeout that kills the whole process group, never throws for a non-zero exit.
 */
import { spawn } from 'node:child_process';

/** Result of {@link runProcess}. `code` is 128 + signal number when killed. */
export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

/** Options of {@link runProcess}. */
export interface ProcessOptions {
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  timeoutMs?: number | undefined;
  input?: string | undefined;
  /** Called with output chunks as they arrive (progress). */
  onOutput?: ((chunk: string) => void) | undefined;
}

const MAX = 1024 * 1024;
const tail = (s: string) => (s.length > MAX ? s.slice(-MAX) : s);

/**
 * Runs `cmd args…`.
 * @throws Error with code ENOENT when the executable does not exist.
 */
export function runProcess(cmd: string, args: readonly string[], opts: ProcessOptions = {}): Promise<ProcessResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const kill = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        child.kill(signal);
      }
    };
    let hard: NodeJS.Timeout | undefined;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          kill('SIGTERM');
          hard = setTimeout(() => kill('SIGKILL'), 3000);
        }, opts.timeoutMs)
      : undefined;
    child.stdout.on('data', (c: Buffer) => {
      const s = c.toString('utf8');
      stdout = tail(stdout + s);
      opts.onOutput?.(s);
    });
    child.stderr.on('data', (c: Buffer) => {
      const s = c.toString('utf8');
      stderr = tail(stderr + s);
      opts.onOutput?.(s);
    });
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (hard) clearTimeout(hard);
      const sig = signal ? ({ SIGTERM: 15, SIGKILL: 9, SIGINT: 2 } as Record<string, number>)[signal] ?? 1 : 0;
      resolve({ code: code ?? 128 + sig, stdout, stderr, timedOut, durationMs: performance.now() - started });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

