/**
 * Choosing a quality history store and naming the run, the same way for the data-quality action,
 * `dataops quality` and `dataops history`.
 *
 * A store is named by one string ({@link parseHistorySpec}): `git` or `git:<branch>` for a branch
 * of the repository being tested (its `origin`; default branch `dataops-history`), anything else a
 * local directory (a Parquet store, relative to the working directory). dataops.yml's
 * `quality.history` says the same in YAML.
 */
import path from 'node:path';
import { git } from '../deploy/git.ts';
import type { EngineOptions } from '../engine/duckdb.ts';
import { ConfigError } from '../errors.ts';
import type { HistoryConfig } from '../quality/config.ts';
import type { Env } from '../runner-context.ts';
import { GitHistoryStore, HISTORY_BRANCH } from './git.ts';
import { LocalHistoryStore } from './local.ts';
import type { HistoryStore, RunIdentity } from './record.ts';

/** A store named by a string. */
export type HistorySpec = { kind: 'local'; dir: string } | { kind: 'git'; branch: string };

/** `git`, `git:<branch>` or a directory (see the module doc). */
export function parseHistorySpec(spec: string): HistorySpec {
  const m = /^git(?::(.+))?$/.exec(spec.trim());
  if (m) return { kind: 'git', branch: m[1] ?? HISTORY_BRANCH };
  return { kind: 'local', dir: spec };
}

/** The spec of a `quality.history` section, paths resolved from `projectDir`. */
export function specOfConfig(config: HistoryConfig, projectDir: string): HistorySpec {
  return config.store === 'git' ? { kind: 'git', branch: config.branch } : { kind: 'local', dir: path.resolve(projectDir, config.path) };
}

/** Options of {@link openHistoryStore}. */
export interface OpenHistoryOptions {
  /** Directory inside the repository (its `origin` is the git store's remote). */
  cwd: string;
  /** Token for the git store's pushes and fetches over HTTPS. */
  token?: string | undefined;
  tempDirectory?: string | undefined;
  engine?: EngineOptions | undefined;
  /** Where the engine module comes from (the action's runtime); default node_modules. */
  runtime?: EngineOptions['runtime'];
  log?: ((message: string) => void) | undefined;
}

/**
 * Opens the store `spec` names.
 * @throws ConfigError when a git store is asked for outside a git repository with an `origin`.
 */
export async function openHistoryStore(spec: HistorySpec, opts: OpenHistoryOptions): Promise<HistoryStore> {
  const engine: EngineOptions = { ...opts.engine, ...(opts.tempDirectory ? { tempDirectory: opts.tempDirectory } : {}), ...(opts.runtime ? { runtime: opts.runtime } : {}) };
  if (spec.kind === 'local') return new LocalHistoryStore(path.resolve(opts.cwd, spec.dir), engine);
  const origin = await git(['remote', 'get-url', 'origin'], { cwd: opts.cwd });
  if (origin.code !== 0 || !origin.stdout.trim()) {
    throw new ConfigError(`the git history store needs a git repository with an "origin" remote; ${opts.cwd} has none`, { location: { field: 'history' }, fix: 'Run inside a clone of the repository, or use a local history directory.' });
  }
  return new GitHistoryStore({ remote: origin.stdout.trim(), branch: spec.branch, token: opts.token, tempDirectory: opts.tempDirectory, engine, log: opts.log });
}

/** Who this run is, and the branch it is compared with. */
export interface RunNaming {
  identity: RunIdentity;
  /** A pull request's base branch; undefined on a push (compared with the branch's own previous run). */
  base: string | undefined;
}

/**
 * Names the run: on a runner from GITHUB_REPOSITORY, GITHUB_HEAD_REF / GITHUB_REF_NAME,
 * GITHUB_SHA and GITHUB_BASE_REF; elsewhere from git in `cwd` (`owner/name` of the origin URL, the
 * checked-out branch, HEAD). `overrides` win (CLI flags).
 */
export async function nameRun(env: Env, cwd: string, overrides: { branch?: string | undefined; base?: string | undefined; commit?: string | undefined; repository?: string | undefined } = {}): Promise<RunNaming> {
  const out = async (args: string[]) => {
    const r = await git(args, { cwd });
    return r.code === 0 ? r.stdout.trim() : '';
  };
  const fromUrl = (url: string) => /[/:]([^/:]+\/[^/]+?)(?:\.git)?\/?$/.exec(url)?.[1];
  const repository = overrides.repository || env.GITHUB_REPOSITORY || fromUrl(await out(['remote', 'get-url', 'origin'])) || path.basename((await out(['rev-parse', '--show-toplevel'])) || cwd);
  const branch = overrides.branch || env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || (await out(['rev-parse', '--abbrev-ref', 'HEAD'])) || 'unknown';
  const commit = overrides.commit || env.GITHUB_SHA || (await out(['rev-parse', 'HEAD'])) || '0'.repeat(40);
  const base = overrides.base || env.GITHUB_BASE_REF || undefined;
  return { identity: { repository, branch, commit }, base };
}

/** The store and naming of a quality run (what `runSuites` takes as `history`). */
export interface OpenedHistory {
  store: HistoryStore;
  identity: RunIdentity;
  base: string | undefined;
}

/**
 * Opens the store and names the run (see {@link openHistoryStore}, {@link nameRun}); undefined
 * without a spec. `fail-on: new` needs one.
 * @throws ConfigError for `failOn: new` without a store (naming `field`), or a git store outside a repository.
 */
export async function openRunHistory(spec: HistorySpec | undefined, failOn: string, field: string, opts: OpenHistoryOptions & { env: Env; overrides?: Parameters<typeof nameRun>[2] }): Promise<OpenedHistory | undefined> {
  if (!spec) {
    if (failOn === 'new') throw new ConfigError('fail-on "new" compares with the quality history, and none is configured', { location: { field }, fix: 'Name a history store (a directory, or "git" for a branch of this repository), or set quality.history in dataops.yml.' });
    return undefined;
  }
  const naming = await nameRun(opts.env, opts.cwd, opts.overrides);
  return { store: await openHistoryStore(spec, opts), ...naming };
}
