/**
 * The git-branch quality history store: the same Parquet files as the local store (local.ts),
 * committed to a dedicated branch of a repository (default `dataops-history`, an orphan branch
 * created by the first run) and pushed. On GitHub it needs `permissions: contents: write` for the
 * job that records runs and `contents: read` for jobs that only compare.
 *
 * Concurrent writers are resolved like the GitOps deploys (deploy/gitops.ts): optimistically.
 * Every run is a file of its own, so two runs never change the same file; a push rejected because
 * another writer pushed first fetches the branch, rebases the one commit onto it and pushes again,
 * with full-jitter backoff (retry.ts) until {@link GitHistoryOptions.pushAttempts} run out.
 * Prunes are commits too (the removed files stay in the branch's git history).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { git, gitOk, GitError, type GitOptions } from '../deploy/git.ts';
import type { EngineOptions } from '../engine/duckdb.ts';
import { retry } from '../retry.ts';
import { LocalHistoryStore, runFile } from './local.ts';
import { runsToPrune, type HistoryFilter, type HistoryRun, type HistoryStore } from './record.ts';

/** Default branch of the git history store. */
export const HISTORY_BRANCH = 'dataops-history';

/** Options of {@link GitHistoryStore}. */
export interface GitHistoryOptions {
  /** Clone URL or path of the repository (on a runner: the workspace repository's `origin`). */
  remote: string;
  /** Branch holding the history. Default {@link HISTORY_BRANCH}. */
  branch?: string | undefined;
  /** Token sent as HTTP basic auth (`x-access-token`), through the environment, never the command line. */
  token?: string | undefined;
  /** Where the clone is made (a temporary directory inside it). Default: the OS temp directory. */
  tempDirectory?: string | undefined;
  /** Push attempts (the first included) before giving up. Default 8. */
  pushAttempts?: number | undefined;
  /** Engine options of the Parquet reader and writer. */
  engine?: EngineOptions | undefined;
  log?: ((message: string) => void) | undefined;
}

/** The history branch could not be pushed (permissions, protection rules) or kept losing races. */
export class HistoryPushError extends Error {
  override readonly name = 'HistoryPushError';
}

const AUTHOR = { GIT_AUTHOR_NAME: 'dataops-actions', GIT_AUTHOR_EMAIL: 'dataops-actions@users.noreply.github.com', GIT_COMMITTER_NAME: 'dataops-actions', GIT_COMMITTER_EMAIL: 'dataops-actions@users.noreply.github.com' };
const REJECTED = /non-fast-forward|fetch first|rejected|failed to update ref|cannot lock ref|stale info/i;

/** A quality history on a branch of a git repository (see the module doc). */
export class GitHistoryStore implements HistoryStore {
  readonly location: string;
  private readonly opts: GitHistoryOptions;
  private readonly branch: string;
  private clone: string | undefined;
  private tmp: string | undefined;
  private local: LocalHistoryStore | undefined;
  /** Operations on the one clone run one after the other. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: GitHistoryOptions) {
    this.opts = opts;
    this.branch = opts.branch ?? HISTORY_BRANCH;
    this.location = `git:${opts.remote.replace(/\/\/[^@/]*@/, '//')}#${this.branch}`;
  }

  private env(): GitOptions['env'] {
    const env: Record<string, string> = { ...AUTHOR };
    if (this.opts.token) {
      env.GIT_CONFIG_COUNT = '1';
      env.GIT_CONFIG_KEY_0 = 'http.extraheader';
      env.GIT_CONFIG_VALUE_0 = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${this.opts.token}`).toString('base64')}`;
    }
    return env;
  }

  private run(args: string[]): Promise<string> {
    return gitOk(args, { cwd: this.clone!, env: this.env() });
  }

  /** Whether the remote has the branch yet. */
  private async remoteHasBranch(): Promise<boolean> {
    const r = await git(['ls-remote', '--heads', 'origin', `refs/heads/${this.branch}`], { cwd: this.clone!, env: this.env() });
    if (r.code !== 0) throw new GitError(['ls-remote', 'origin'], r);
    return r.stdout.trim().length > 0;
  }

  /** Brings the clone to the remote branch's tip (an empty orphan branch when it does not exist yet). */
  private async sync(): Promise<LocalHistoryStore> {
    if (!this.clone) {
      this.tmp = await mkdtemp(path.join(this.opts.tempDirectory ?? os.tmpdir(), 'dataops-history-'));
      this.clone = path.join(this.tmp, 'repo');
      await gitOk(['init', '--quiet', this.clone]);
      await this.run(['remote', 'add', 'origin', this.opts.remote]);
      this.local = new LocalHistoryStore(this.clone, this.opts.engine, this.location);
    }
    if (await this.remoteHasBranch()) {
      await this.run(['fetch', '--quiet', '--no-tags', 'origin', `+refs/heads/${this.branch}:refs/remotes/origin/${this.branch}`]);
      await this.run(['checkout', '--quiet', '--force', '-B', this.branch, `origin/${this.branch}`]);
    } else {
      await this.run(['checkout', '--quiet', '--orphan', this.branch]);
      await git(['rm', '-r', '--quiet', '--cached', '--ignore-unmatch', '.'], { cwd: this.clone });
    }
    await this.run(['clean', '--quiet', '-fdx']);
    return this.local!;
  }

  /** Commits what changed with `message` and pushes, rebasing on the remote branch after each lost race. */
  private async commitAndPush(message: string): Promise<void> {
    await this.run(['add', '--all', 'runs']);
    await this.run(['commit', '--quiet', '--allow-empty', '-m', message]);
    const log = this.opts.log ?? (() => {});
    await retry(
      async (attempt) => {
        const pushed = await git(['push', '--quiet', 'origin', `HEAD:refs/heads/${this.branch}`], { cwd: this.clone!, env: this.env() });
        if (pushed.code === 0) return;
        if (!REJECTED.test(pushed.stderr)) throw new HistoryPushError(`git push of the quality history to ${this.location} failed: ${pushed.stderr.trim().split('\n').pop() ?? ''}`);
        log(`history push rejected (attempt ${attempt}: another run pushed first); rebasing and retrying`);
        await this.run(['fetch', '--quiet', '--no-tags', 'origin', `+refs/heads/${this.branch}:refs/remotes/origin/${this.branch}`]);
        await this.run(['rebase', '--quiet', `origin/${this.branch}`]);
        throw new Error(`push rejected: ${pushed.stderr.trim()}`);
      },
      (err) => !(err instanceof HistoryPushError) && !(err instanceof GitError),
      { attempts: this.opts.pushAttempts ?? 8, baseMs: 100, maxDelayMs: 2000 },
    ).catch((err: unknown) => {
      if (err instanceof HistoryPushError || err instanceof GitError) throw err;
      throw new HistoryPushError(`the quality history could not be pushed to ${this.location}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    });
  }

  /** Runs `op` after every operation queued before it. */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }

  append(run: HistoryRun): Promise<void> {
    return this.serial(async () => {
      const local = await this.sync();
      await local.append(run);
      await this.commitAndPush(`history: ${run.suite} on ${run.branch}@${run.commit.slice(0, 12)}`);
    });
  }

  list(filter: HistoryFilter = {}): Promise<HistoryRun[]> {
    return this.serial(async () => (await this.sync()).list(filter));
  }

  prune(filter: HistoryFilter & { keep?: number | undefined }): Promise<number> {
    return this.serial(() => this.pruneNow(filter));
  }

  private async pruneNow(filter: HistoryFilter & { keep?: number | undefined }): Promise<number> {
    const local = await this.sync();
    const doomed = runsToPrune(await local.list(), filter);
    if (!doomed.length) return 0;
    await this.run(['rm', '--quiet', '--', ...doomed.map((r) => path.relative(this.clone!, runFile(this.clone!, r)))]);
    await this.commitAndPush(`history: prune ${doomed.length} run${doomed.length === 1 ? '' : 's'}`);
    return doomed.length;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.local?.close();
    if (this.tmp) await rm(this.tmp, { recursive: true, force: true });
    this.clone = this.tmp = this.local = undefined;
  }
}
