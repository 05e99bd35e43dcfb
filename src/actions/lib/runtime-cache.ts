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
 *   restore: …` as a warning, or as an *error* annotation for a 5xx) and has no logging hook, so
 *   those annotation commands, when written by one of its calls (and only then: its async context
 *   is tracked, {@link captureLibraryFailures}), are taken off stdout and reported as our one warning.
 * `@actions/cache` (Azure storage SDK included) is a chunk of the bundle loaded only when a runtime
 * package is missing from the tool cache: a step that finds everything installed never loads it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
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
  const m = /^::(?:warning|error)(?: [^:]*)?::(.*?)\r?$/s.exec(line);
  return m?.[1]?.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

/** The failures of the library call running in the current async context (see {@link captureLibraryFailures}). */
const libraryCall = new AsyncLocalStorage<string[]>();

type Write = (chunk: unknown, ...rest: unknown[]) => boolean;

/**
 * `chunk` without the library's failure annotations (their messages go to `failures`): the lines
 * kept, or undefined when the chunk is no text (written as it is).
 */
function withoutFailures(chunk: unknown, encoding: unknown, failures: string[]): string | undefined {
  const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString(typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8') : undefined;
  if (text === undefined) return undefined;
  const lines = text.split(/(?<=\n)/);
  const kept = lines.filter((line) => {
    const message = annotationMessage(line.replace(/\n$/, ''));
    if (message === undefined || !LIBRARY_FAILURE.test(message)) return true;
    failures.push(message);
    return false;
  });
  return kept.length === lines.length ? undefined : kept.join('');
}

/**
 * Runs `call` (one `@actions/cache` call) and resolves its value and the failure messages the
 * library printed instead of throwing (each unescaped; such an annotation is not written). Only
 * what `call` itself writes is looked at: its async context is tracked with AsyncLocalStorage, so
 * a write of any other code running meanwhile (another step's log line, an annotation of ours) goes
 * out untouched, as does every other workflow command of the library (`::debug::`,
 * `::add-mask::`…). `process.stdout.write` is wrapped for the call only and put back afterwards,
 * whether `call` resolves or throws, unless other code wrapped it again meanwhile (then that
 * wrapper is kept, and ours below it forwards everything once the call is over). A write whose
 * lines are all taken off still calls its callback.
 */
export async function captureLibraryFailures<T>(call: () => Promise<T>): Promise<{ value: T; failures: string[] }> {
  const stdout = process.stdout;
  const own = Object.prototype.hasOwnProperty.call(stdout, 'write');
  const write = Reflect.get(stdout, 'write') as Write;
  const wrapper: Write = (chunk, ...rest) => {
    const failures = libraryCall.getStore();
    let kept: string | undefined;
    try {
      kept = failures ? withoutFailures(chunk, rest[0], failures) : undefined;
    } catch {
      kept = undefined; // never lose a write to a parsing problem
    }
    if (kept === undefined) return Reflect.apply(write, stdout, [chunk, ...rest]);
    const callback = rest.find((r): r is (err?: Error | null) => void => typeof r === 'function');
    if (kept) return Reflect.apply(write, stdout, [kept, ...(callback ? [callback] : [])]);
    if (callback) process.nextTick(callback, null);
    return true;
  };
  Reflect.set(stdout, 'write', wrapper);
  const failures: string[] = [];
  try {
    return { value: await libraryCall.run(failures, call), failures };
  } finally {
    if (Reflect.get(stdout, 'write') === wrapper) {
      if (own) Reflect.set(stdout, 'write', write);
      else Reflect.deleteProperty(stdout, 'write');
    }
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
  /** Runs `op` after the previous cache operation; resolves `fallback` when the cache is off or fails. */
  const serial = <T>(op: (client: ActionsCacheClient) => Promise<T>, fallback: T): Promise<T> => {
    const next = queue.then(async () => {
      if (off) return fallback;
      if (!runner.actionsCache) {
        fail('the Actions cache service is not available to this job (ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL or ACTIONS_CACHE_URL are not set: outside GitHub Actions, or GitHub Enterprise Server without Actions cache)');
        return fallback;
      }
      try {
        const client = await load();
        if (!client.isFeatureAvailable()) {
          fail('the Actions cache service is not available to this job');
          return fallback;
        }
        const { value, failures } = await captureLibraryFailures(() => op(client));
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
