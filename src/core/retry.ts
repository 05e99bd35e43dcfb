/**
 * Retries with exponential backoff and full jitter (AWS Architecture Blog, "Exponential Backoff
 * And Jitter"), bounded per attempt count and by a total time budget.
 */

/** Retry policy. Times in milliseconds. */
export interface RetryPolicy {
  /** Maximum attempts including the first (default 8). */
  attempts?: number;
  /** First backoff ceiling (default 200 ms); doubles each retry. */
  baseMs?: number;
  /** Backoff ceiling (default 5 s). */
  maxDelayMs?: number;
  /** Give up when the next wait would end past this budget from the first attempt (default 60 s). */
  budgetMs?: number;
  /** Random source in [0,1) (injectable for tests). */
  random?: () => number;
  /** Sleep (injectable for tests). */
  sleep?: (ms: number) => Promise<void>;
}

/** Thrown by an attempt to say "do not retry this". */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
}

/** Error raised when every attempt failed; `attempts` counts them, `cause` is the last error. */
export class RetryExhaustedError extends Error {
  override readonly name = 'RetryExhaustedError';
  readonly attempts: number;
  constructor(message: string, attempts: number, options: { cause: unknown }) {
    super(message, options);
    this.attempts = attempts;
  }
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs `fn` until it resolves, `isRetryable(err)` is false, attempts run out or the budget would be exceeded.
 * `fn` receives the 1-based attempt number.
 * @throws the last error unchanged when it is not retryable; RetryExhaustedError when retries ran out.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, isRetryable: (err: unknown) => boolean, policy: RetryPolicy = {}): Promise<T> {
  const attempts = policy.attempts ?? 8;
  const base = policy.baseMs ?? 200;
  const cap = policy.maxDelayMs ?? 5000;
  const budget = policy.budgetMs ?? 60_000;
  const random = policy.random ?? Math.random;
  const sleep = policy.sleep ?? defaultSleep;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (err instanceof PermanentError || !isRetryable(err)) throw err;
      const delay = Math.floor(random() * Math.min(cap, base * 2 ** (attempt - 1)));
      if (attempt >= attempts || Date.now() - started + delay > budget) {
        throw new RetryExhaustedError(`gave up after ${attempt} attempts in ${Date.now() - started} ms: ${err instanceof Error ? err.message : String(err)}`, attempt, { cause: err });
      }
      await sleep(delay);
    }
  }
}

/** True for HTTP statuses worth retrying: 408, 429 and 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** True for network errors worth retrying (connection reset/refused, timeouts, socket hang-ups). */
export function isRetryableNetworkError(err: unknown): boolean {
  const codes = ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN'];
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: string }).code;
    if (code && codes.includes(code)) return true;
    if (e instanceof TypeError && e.message === 'fetch failed') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
