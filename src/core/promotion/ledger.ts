/**
 * The promotion ledger: which promotion ids (CloudEvents ids) were deployed, so a redelivered
 * message deploys once, and which promotion is the latest, so an older one is refused.
 * Locally a JSON file under the state directory; on GitHub the production deployments themselves
 * (their payload carries `promotion_id` and `promotion_time`).
 */
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DeploymentRecord, DeploymentRecorder } from '../deploy/deployments.ts';

/** One deployed promotion. */
export interface LedgerEntry {
  event_id: string;
  /** CloudEvents `time` of the promotion. */
  time: string;
  environment: string;
  /** Production reference deployed. */
  image: string;
  digest: string;
  rollback: boolean;
  deployment_id?: number | undefined;
  deployed_at: string;
}

/** Storage of deployed promotions. */
export interface PromotionLedger {
  get(eventId: string): Promise<LedgerEntry | undefined>;
  /**
   * The deployed promotion of `environment` with the newest event time (CloudEvents `time`), which
   * is not necessarily the one deployed last: the ordering reference of the next promotion.
   */
  newest(environment: string): Promise<LedgerEntry | undefined>;
  record(entry: LedgerEntry): Promise<void>;
  /** Runs `fn` while holding the ledger's lock: one promotion at a time. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

/** The entry with the greatest event time (the first of equals). */
export function newestOf(entries: readonly LedgerEntry[]): LedgerEntry | undefined {
  let best: LedgerEntry | undefined;
  for (const e of entries) if (!best || Date.parse(e.time) > Date.parse(best.time)) best = e;
  return best;
}

/** Serialises async functions within this process. */
function chain(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>) => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** A JSON-file ledger with a lock file (`<file>.lock`, O_EXCL; taken over after 10 minutes). */
export class FileLedger implements PromotionLedger {
  readonly file: string;
  private readonly serial = chain();
  constructor(file: string) {
    this.file = file;
  }

  private async load(): Promise<{ version: 1; promotions: LedgerEntry[] }> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as { version: 1; promotions: LedgerEntry[] };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, promotions: [] };
      throw err;
    }
  }

  async get(eventId: string): Promise<LedgerEntry | undefined> {
    return (await this.load()).promotions.find((p) => p.event_id === eventId);
  }

  async newest(environment: string): Promise<LedgerEntry | undefined> {
    return newestOf((await this.load()).promotions.filter((p) => p.environment === environment));
  }

  async record(entry: LedgerEntry): Promise<void> {
    const data = await this.load();
    data.promotions.push(entry);
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(data, null, 2) + '\n');
    await rename(tmp, this.file);
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.serial(async () => {
      const lock = `${this.file}.lock`;
      await mkdir(path.dirname(lock), { recursive: true });
      for (let i = 0; ; i++) {
        try {
          const h = await open(lock, 'wx');
          await h.writeFile(String(process.pid));
          await h.close();
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
          if (age > 10 * 60_000) await rm(lock, { force: true });
          else await new Promise((r) => setTimeout(r, Math.min(500, 20 * (i + 1))));
        }
      }
      try {
        return await fn();
      } finally {
        await rm(lock, { force: true });
      }
    });
  }
}

const entryOf = (d: DeploymentRecord): LedgerEntry | undefined => {
  const p = d.payload as DeploymentRecord['payload'] & { promotion_id?: string; promotion_time?: string };
  if (typeof p?.promotion_id !== 'string') return undefined;
  return { event_id: p.promotion_id, time: p.promotion_time ?? d.created_at, environment: d.environment, image: p.image, digest: p.digest, rollback: Boolean(p.rollback), deployment_id: d.id, deployed_at: d.created_at };
};

/**
 * The GitHub Deployments API as ledger: a production deployment whose payload has `promotion_id`
 * and whose latest status is success (or inactive: superseded later) counts as deployed.
 * `record` is a no-op (deploy() created the deployment); `exclusive` serialises within the
 * process (workflow `concurrency:` serialises jobs).
 */
export class DeploymentsLedger implements PromotionLedger {
  private readonly recorder: DeploymentRecorder;
  private readonly serial = chain();
  constructor(recorder: DeploymentRecorder) {
    this.recorder = recorder;
  }
  private async entries(environment: string): Promise<LedgerEntry[]> {
    const list = await this.recorder.list(environment, { limit: 100 });
    return list.filter((d) => d.state === 'success' || d.state === 'inactive').flatMap((d) => entryOf(d) ?? []);
  }
  private environment = 'production';
  /** Sets the environment `get` looks in. */
  forEnvironment(environment: string): this {
    this.environment = environment;
    return this;
  }
  async get(eventId: string): Promise<LedgerEntry | undefined> {
    return (await this.entries(this.environment)).find((e) => e.event_id === eventId);
  }
  async newest(environment: string): Promise<LedgerEntry | undefined> {
    return newestOf(await this.entries(environment));
  }
  record(): Promise<void> {
    return Promise.resolve();
  }
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.serial(fn);
  }
}
