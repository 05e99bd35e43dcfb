/**
 * Where OpenLineage events go: a file of NDJSON events (the default, one event per line,
 * appended), HTTP to any OpenLineage endpoint (Marquez and others: `POST <url>/api/v1/lineage`,
 * `Authorization: Bearer <api key>`, retried with full-jitter backoff), and the console.
 *
 * Lineage never fails a stage: a transport that fails says so once through `log` and is not used
 * again in the run (an endpoint that is down is not waited for at every event); the file keeps
 * every event.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { isRetryableNetworkError, isRetryableStatus, PermanentError, retry, type RetryPolicy } from '../retry.ts';
import type { RunEvent } from './openlineage.ts';

/** A destination of events. */
export interface LineageTransport {
  /** How it is named in messages: `file lineage.ndjson`, `http https://marquez…`. */
  readonly name: string;
  /** Sends one event. @throws when it could not be delivered. */
  send(event: RunEvent): Promise<void>;
}

/** Appends each event as one JSON line to `file` (directories created). */
export function fileTransport(file: string): LineageTransport {
  return {
    name: `file ${file}`,
    async send(event) {
      await mkdir(path.dirname(file), { recursive: true });
      await appendFile(file, JSON.stringify(event) + '\n');
    },
  };
}

/** Writes each event as one JSON line through `write` (stderr by default). */
export function consoleTransport(write: (line: string) => void = (l) => process.stderr.write(l + '\n')): LineageTransport {
  return {
    name: 'console',
    send(event) {
      write(JSON.stringify(event));
      return Promise.resolve();
    },
  };
}

/** Options of {@link httpTransport}. */
export interface HttpTransportOptions {
  /** Endpoint base (`http://marquez:5000`) or the full lineage URL (a path other than `/`, used as is). */
  url: string;
  /** API key sent as `Authorization: Bearer <key>` (OPENLINEAGE_API_KEY, from a secret). */
  apiKey?: string | undefined;
  /** Retries of one event; default 4 attempts within 10 s. */
  retry?: RetryPolicy | undefined;
  /** Timeout of one request in ms (default 10 000). */
  timeoutMs?: number | undefined;
}

/** The lineage URL of an endpoint: `<base>/api/v1/lineage` unless the URL names a path. */
export function lineageUrl(url: string): string {
  const u = new URL(url);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/api/v1/lineage';
  return u.toString();
}

/**
 * POSTs each event as JSON (OpenLineage HTTP transport). 5xx, 408, 429 and network errors are
 * retried; other statuses are permanent.
 */
export function httpTransport(o: HttpTransportOptions): LineageTransport {
  const url = lineageUrl(o.url);
  const policy: RetryPolicy = { attempts: 4, baseMs: 200, maxDelayMs: 2000, budgetMs: 10_000, ...o.retry };
  return {
    name: `http ${url}`,
    async send(event) {
      await retry(
        async () => {
          const res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}) },
            body: JSON.stringify(event),
            signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
          });
          await res.arrayBuffer();
          if (res.ok) return;
          const err = new Error(`HTTP ${res.status}`);
          throw isRetryableStatus(res.status) ? err : new PermanentError(err.message);
        },
        (err) => !(err instanceof PermanentError) && (isRetryableNetworkError(err) || /^HTTP \d+/.test((err as Error).message) || (err as Error).name === 'TimeoutError'),
        policy,
      );
    },
  };
}

/**
 * Sends events to several transports; a transport that fails is reported once through `log` and
 * dropped for the rest of the run. Never throws.
 */
export class LineageSender {
  private readonly active: LineageTransport[];
  /** Problems met (one line per failed transport). */
  readonly problems: string[] = [];
  private readonly log: (line: string) => void;
  constructor(transports: readonly LineageTransport[], log: (line: string) => void) {
    this.active = [...transports];
    this.log = log;
  }

  /** Sends `event` to every transport still working. */
  async send(event: RunEvent): Promise<void> {
    for (const t of [...this.active]) {
      try {
        await t.send(event);
      } catch (err) {
        const cause = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
        const line = `OpenLineage ${t.name} failed (${cause}); no more events go there in this run, the stage goes on`;
        this.problems.push(line);
        this.log(line);
        this.active.splice(this.active.indexOf(t), 1);
      }
    }
  }
}
