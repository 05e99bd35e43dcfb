/**
 * A lock between processes sharing a directory (builds in parallel test workers, two runs on one
 * self-hosted runner): `mkdir` of the lock directory is atomic, so whoever creates it holds it.
 */
import { lstat, mkdir, rm } from 'node:fs/promises';

/** Options of {@link withDirLock}. */
export interface DirLockOptions {
  /** A lock older than this is taken over (left by a killed process). Default 10 minutes. */
  staleMs?: number;
  /** Pause between attempts. Default 250 ms. */
  pollMs?: number;
  /** Give up after waiting this long. Default: wait as long as the holder keeps the lock fresh. */
  timeoutMs?: number;
}

/**
 * Runs `fn` holding lock directory `lock`, removed afterwards (also when `fn` throws).
 * @throws Error `timed out waiting for <lock>` after `timeoutMs`; what `fn` throws.
 */
export async function withDirLock<T>(lock: string, fn: () => Promise<T>, options: DirLockOptions = {}): Promise<T> {
  const { staleMs = 600_000, pollMs = 250, timeoutMs } = options;
  const start = Date.now();
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      const age = await lstat(lock).then((st) => Date.now() - st.mtimeMs, () => 0);
      if (age > staleMs) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (timeoutMs !== undefined && Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
