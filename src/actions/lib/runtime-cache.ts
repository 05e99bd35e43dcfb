/**
 * The Actions cache in front of the runtime packages (src/core/runtime/): a {@link RuntimeCache}
 * over `@actions/cache` (restoreCache/saveCache, cache service v2 on github.com, v1 on GitHub
 * Enterprise Server), so a job whose tool cache lacks a runtime package restores the directory an
 * earlier job installed instead of running `npm ci` (key: runtimeCacheKey of install.ts).
 *
 * Caching is an optimisation and never fails a step. Every failure becomes ONE warning per step,
 * after which the cache is left alone for the rest of the step (no save, no further restore):
 * - no cache service for the job (no ACTIONS_RUNTIME_TOKEN, or no ACTIONS_RESULTS_URL /
 *   ACTIONS_CACHE_URL: outside GitHub Actions, GitHub Enterprise Server without the cache);
 * - a failing service: @actions/cache swallows its errors and prints them itself (`Failed to
 *   restore: …` as a warning, or as an *error* annotation for a 5xx), so while one of its calls
 *   runs, those annotation commands are taken off stdout and reported as our one warning.
 * `@actions/cache` (Azure storage SDK included) is a chunk of the bundle loaded only when a runtime
 * package is missing from the tool cache: a step that finds everything installed never loads it.
 */
import * as core from './core.ts';
import type { RunnerContext } from '../../core/runner-context.ts';
import type { RuntimeCache } from '../../core/runtime/install.ts';

/** What this module uses of `@actions/cache`. */
interface ActionsCacheClient {
  isFeatureAvailable(): boolean;
  restoreCache(paths: string[], primaryKey: string): Promise<string | undefined>;
  saveCache(paths: string[], key: string): Promise<number>;
}

/** Messages `@actions/cache` (6.x, lib/cache.js, lib/internal/*) prints for a failure it swallows. */
const LIBRARY_FAILURE = /^(Failed to (restore|save): |Cache reservation failed: |uploadCacheArchiveSDK: |You've hit a rate limit)/;

/** `::warning::` / `::error::` workflow command line (as @actions/core writes it) → its unescaped message. */
function annotationMessage(line: string): string | undefined {
  const m = /^::(?:warning|error)(?: [^:]*)?::(.*?)\r?\n?$/s.exec(line);
  return m?.[1]?.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

/**
 * Runs `call` while the library's failure annotations are taken off stdout (each one, unescaped,
 * goes to `failures`); everything else is written as usual.
 */
async function capturingFailures<T>(call: () => Promise<T>, failures: string[]): Promise<T> {
  const stdout = process.stdout;
  const own = Object.prototype.hasOwnProperty.call(stdout, 'write');
  const write = Reflect.get(stdout, 'write') as (...args: unknown[]) => boolean;
  stdout.write = (chunk: unknown, ...rest: unknown[]) => {
    const message = typeof chunk === 'string' ? annotationMessage(chunk) : undefined;
    if (message !== undefined && LIBRARY_FAILURE.test(message)) {
      failures.push(message);
      return true;
    }
    return Reflect.apply(write, stdout, [chunk, ...rest]);
  };
  try {
    return await call();
  } finally {
    if (own) Reflect.set(stdout, 'write', write);
    else Reflect.deleteProperty(stdout, 'write');
  }
}

/**
 * The Actions cache as a {@link RuntimeCache} for the runner `runner`: restores and saves go
 * through `@actions/cache` one at a time; the first failure (or the service's absence) warns once
 * and turns the cache off for the rest of the process (one step).
 */
export function actionsRuntimeCache(runner: RunnerContext): RuntimeCache {
  const load = (): Promise<ActionsCacheClient> => import('@actions/cache');
  let off = false;
  let queue: Promise<unknown> = Promise.resolve();
  const fail = (why: string): void => {
    if (off) return;
    off = true;
    core.warning(`runtime packages are not cached across jobs in this step: ${why}. They are installed from the npm registry (npm ci) instead.`);
  };
  /** Runs `op` after the previous cache operation (one stdout capture at a time); resolves `fallback` when the cache is off or fails. */
  const serial = <T>(op: (client: ActionsCacheClient) => Promise<T>, fallback: T): Promise<T> => {
    const next = queue.then(async () => {
      if (off) return fallback;
      if (!runner.actionsCache) {
        fail('the Actions cache service is not available to this job (ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL or ACTIONS_CACHE_URL are not set: outside GitHub Actions, or GitHub Enterprise Server without Actions cache)');
        return fallback;
      }
      const failures: string[] = [];
      try {
        const client = await load();
        if (!client.isFeatureAvailable()) {
          fail('the Actions cache service is not available to this job');
          return fallback;
        }
        const value = await capturingFailures(() => op(client), failures);
        if (failures.length) fail(`the Actions cache failed (${failures[0]})`);
        return failures.length ? fallback : value;
      } catch (err) {
        fail(`the Actions cache failed (${err instanceof Error ? err.message : String(err)})`);
        return fallback;
      }
    });
    queue = next;
    return next;
  };
  return {
    restore: (paths, key) => serial((c) => c.restoreCache(paths, key), undefined),
    save: (paths, key) =>
      serial(async (c) => {
        await c.saveCache(paths, key);
      }, undefined),
  };
}
