/**
 * `dataops init`: scaffolds a DataOps project in a directory — `dataops.yml` naming the datasets,
 * one quality suite per dataset proposed from profiling it (profile.ts, propose.ts), a Dockerfile
 * when there is none, the starter CI workflow, and the promotion policy pinned by id to the GitHub
 * repository of the `origin` remote (github-ids.ts). Existing files are never overwritten: they are
 * reported as kept.
 */
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { ConfigError } from '../errors.ts';
import { openEngine } from '../engine/duckdb.ts';
import type { GitHubApi } from '../github/api.ts';
import type { RunnerContext } from '../runner-context.ts';
import { githubRemote, repositoryIds, type PinnedRepository } from './github-ids.ts';
import { profileDataset, type DatasetProfile } from './profile.ts';
import { proposeChecks, type ProposeOptions } from './propose.ts';

/** Options of {@link initProject}. */
export interface InitOptions extends ProposeOptions {
  /** Dataset files to profile (CSV, TSV, Parquet, JSON, NDJSON). */
  datasets: string[];
  /** Pipeline name; default the directory name, lower-cased. */
  name?: string | undefined;
  /** Default branch written into the starter workflows. Default `main`. */
  branch?: string | undefined;
  /** Write .github/workflows/dataops-ci.yml. Default true. */
  workflow?: boolean | undefined;
  /** Write a Dockerfile when absent. Default true. */
  dockerfile?: boolean | undefined;
  /** The machine: its GitHub server and run (the promotion policy's ids) and temp directory. */
  runner: RunnerContext;
  /** A client of the run's GitHub API, to look the repository's ids up (none: the ids are pinned from the run only). */
  api?: GitHubApi | undefined;
}

/** What {@link initProject} did. */
export interface InitResult {
  dir: string;
  /** Files written, relative to `dir`. */
  created: string[];
  /** Files that already existed and were left untouched, relative to `dir`. */
  kept: string[];
  datasets: Array<{ name: string; file: string; rows: number; columns: number; checks: number; suite: string }>;
  /** The repository the promotion policy was pinned to (from the git remote), when it could be. */
  pinned?: PinnedRepository;
  /** What the user should still do (e.g. pin the promotion policy by hand). */
  notes: string[];
}

/** Where the starter workflows live in this package. */
export const STARTER_DIR = path.resolve(import.meta.dirname, '../../../workflows');
/** JSON Schemas referenced from the scaffolded files (editors use them for completion). */
export const SCHEMA_BASE = 'https://raw.githubusercontent.com/dataops-actions/dataops-actions/v0.1.0/schemas';

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** `seattle-weather.csv` → `seattle_weather`. */
export function datasetName(file: string): string {
  const base = path.basename(file).replace(/\.(gz|zst)$/i, '').replace(/\.[^.]+$/, '');
  const name = base.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'dataset';
  return /^[0-9]/.test(name) ? `d_${name}` : name;
}

/** Path of a dataset as written in dataops.yml: relative to the project, or `npm:<pkg>/<file>` for a file inside node_modules outside it. */
export function datasetPath(dir: string, file: string): string {
  const rel = path.relative(dir, path.resolve(file)).split(path.sep).join('/');
  const m = /(?:^|\/)node_modules\/(.+)$/.exec(path.resolve(file).split(path.sep).join('/'));
  if (rel.startsWith('..') && m?.[1]) return `npm:${m[1]}`;
  return rel;
}

function projectName(dir: string, name?: string): string {
  const n = (name ?? path.basename(path.resolve(dir))).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '');
  return n || 'pipeline';
}

const DOCKERFILE = `# Pipeline image (scaffolded by dataops init: adapt it to how your pipeline runs).
# The system test runs this image BY DIGEST with the fixtures read-only at /data/in and expects
# its outputs in /data/out. Pass --build-arg BASE_IMAGE=... to use another base.
ARG BASE_IMAGE=python:3.12-slim
FROM \${BASE_IMAGE}
WORKDIR /app
COPY pipeline/ ./pipeline/
USER 65532:65532
ENTRYPOINT ["python", "/app/pipeline/main.py", "--in", "/data/in", "--out", "/data/out"]
`;

/**
 * `promotion.policy` pinned to the repository of the `origin` remote by id, when it can be found;
 * otherwise nothing, and a note (the production consumer refuses a policy without the ids).
 */
async function promotionPolicy(dir: string, result: InitResult, opts: Pick<InitOptions, 'runner' | 'api'>): Promise<{ promotion?: { policy: PinnedRepository } }> {
  const repository = await githubRemote(dir, opts.runner.github);
  const manual = 'pin promotion.policy.repository_id and repository_owner_id by hand (GET /repos/{owner}/{repo}: "id", "owner.id") before promoting to production';
  if (!repository) {
    result.notes.push(`no GitHub "origin" remote: ${manual}`);
    return {};
  }
  const ids = await repositoryIds(repository, opts.runner.github, opts.api);
  if ('reason' in ids) {
    result.notes.push(`${repository}: ${ids.reason}; ${manual}`);
    return {};
  }
  result.pinned = ids;
  return { promotion: { policy: ids } };
}

/**
 * Scaffolds a project in `dir` (created if missing).
 * @throws ConfigError when no dataset is given, a dataset file is missing or unreadable, or two datasets share a name.
 */
export async function initProject(dir: string, opts: InitOptions): Promise<InitResult> {
  if (opts.datasets.length === 0) throw new ConfigError('no dataset given', { location: { field: '--dataset' }, fix: 'Pass at least one data file: dataops init --dataset data/orders.csv' });
  const root = path.resolve(dir);
  await mkdir(root, { recursive: true });
  const result: InitResult = { dir: root, created: [], kept: [], datasets: [], notes: [] };
  const write = async (rel: string, text: string) => {
    const file = path.join(root, rel);
    if (await exists(file)) {
      result.kept.push(rel);
      return;
    }
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text, { flag: 'wx' });
    result.created.push(rel);
  };

  const names = new Set<string>();
  const profiles: Array<{ name: string; file: string; profile: DatasetProfile }> = [];
  const engine = await openEngine({ tempDirectory: opts.runner.temp });
  try {
    for (const file of opts.datasets) {
      if (!(await exists(file))) throw new ConfigError('dataset file not found', { location: { file }, fix: 'Check the path (relative to the current directory).' });
      const name = datasetName(file);
      if (names.has(name)) throw new ConfigError(`two datasets would both be named "${name}"`, { location: { file }, fix: 'Rename one of the files.' });
      names.add(name);
      profiles.push({ name, file, profile: await profileDataset(file, { maxCategories: opts.maxCategories }, engine) });
    }
  } finally {
    engine.close();
  }

  const pipeline = projectName(root, opts.name);
  const suites: string[] = [];
  for (const { name, file, profile } of profiles) {
    const rel = `quality/${name}.yml`;
    suites.push(rel);
    const checks = proposeChecks(name, profile, opts);
    const suite = { version: 1, suite: name, description: `Proposed by dataops init from profiling ${path.basename(file)} (${profile.rows} rows). Review before relying on it.`, checks };
    await write(rel, `# yaml-language-server: $schema=${SCHEMA_BASE}/quality-suite.schema.json\n` + stringify(suite, { lineWidth: 0 }));
    result.datasets.push({ name, file, rows: profile.rows, columns: profile.columns.length, checks: checks.length, suite: rel });
  }

  const project = {
    version: 1,
    name: pipeline,
    description: `DataOps project scaffolded by dataops init.`,
    datasets: Object.fromEntries(profiles.map(({ name, file }) => [name, { path: datasetPath(root, file) }])),
    quality: { suites, fail_on: 'error' },
    ...(await promotionPolicy(root, result, opts)),
  };
  await write('dataops.yml', `# yaml-language-server: $schema=${SCHEMA_BASE}/dataops-project.schema.json\n` + stringify(project, { lineWidth: 0 }));

  if (opts.dockerfile !== false) {
    const hasOne = (await exists(path.join(root, 'Dockerfile'))) || (await exists(path.join(root, 'Containerfile')));
    if (hasOne) result.kept.push((await exists(path.join(root, 'Dockerfile'))) ? 'Dockerfile' : 'Containerfile');
    else await write('Dockerfile', DOCKERFILE);
  }
  if (opts.workflow !== false) {
    const starter = await readFile(path.join(STARTER_DIR, 'dataops-ci.yml'), 'utf8');
    await write('.github/workflows/dataops-ci.yml', starter.replaceAll('$default-branch', opts.branch ?? 'main'));
  }
  return result;
}
