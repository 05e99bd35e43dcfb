/**
 * `dataops init`: scaffolds a DataOps project in a directory — `dataops.yml` naming the datasets,
 * one quality suite per dataset proposed from profiling it (profile.ts, propose.ts), a Dockerfile
 * when there is none, the starter CI workflow, and the promotion policy pinned by id to the GitHub
 * repository of the `origin` remote (github-ids.ts). Existing files are never overwritten: they are
 * reported as kept.
 */
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { stringify } from 'yaml';
import { ConfigError } from '../errors.ts';
import { openEngine } from '../engine/duckdb.ts';
import { literal } from '../engine/quote.ts';
import { execTool } from '../exec.ts';
import { copyOptions, readerSql, type DatasetFormat } from '../formats.ts';
import type { GitHubApi } from '../github/api.ts';
import type { RunnerContext } from '../runner-context.ts';
import { githubRemote, repositoryIds, type PinnedRepository } from './github-ids.ts';
import { profileDataset, type DatasetProfile } from './profile.ts';
import { proposeChecks, type ProposeOptions } from './propose.ts';
import { deployFiles, DOCKERIGNORE, dockerfile, FIXTURE_ROWS, GITIGNORE, PIPELINE_TEMPLATES, pipelineOutputs, projectSections, type PipelineLanguage } from './scaffold.ts';
import { SCHEMA_BASE_URL } from '../schema-url.ts';

/** Options of {@link initProject}. */
export interface InitOptions extends ProposeOptions {
  /** Dataset files to profile (CSV, TSV, Parquet, JSON, NDJSON); none: the data files found in the directory. */
  datasets: string[];
  /** Pipeline name; default the directory name, lower-cased. */
  name?: string | undefined;
  /** Default branch written into the starter workflows. Default `main`. */
  branch?: string | undefined;
  /** Write .github/workflows/dataops-ci.yml. Default true. */
  workflow?: boolean | undefined;
  /** Write a Dockerfile for the scaffolded pipeline when there is none. Default true. */
  dockerfile?: boolean | undefined;
  /** Language of the scaffolded pipeline, or `none` for dataops.yml and the suites only. Default `node`. */
  pipeline?: PipelineLanguage | 'none' | undefined;
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
  /** Existing files a line was appended to (`.gitignore` without `.dataops/`), relative to `dir`. */
  updated: string[];
  datasets: Array<{ name: string; file: string; rows: number; columns: number; checks: number; suite: string }>;
  /** The repository the promotion policy was pinned to (from the git remote), when it could be. */
  pinned?: PinnedRepository;
  /** What the user should still do (e.g. pin the promotion policy by hand). */
  notes: string[];
}

/** Where the starter workflows live in this package. */
export const STARTER_DIR = path.resolve(import.meta.dirname, '../../../workflows');
/** JSON Schemas referenced from the scaffolded files (editors use them for completion). */
export const SCHEMA_BASE = SCHEMA_BASE_URL;

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

/**
 * The repository of the `origin` remote pinned by id, when it can be found; otherwise undefined and
 * a note (the production consumer refuses a policy without the ids, the local flow does not need them).
 */
async function pinnedRepository(dir: string, result: InitResult, opts: Pick<InitOptions, 'runner' | 'api'>): Promise<PinnedRepository | undefined> {
  const repository = await githubRemote(dir, opts.runner.github);
  const manual = 'pin promotion.policy.repository_id and repository_owner_id (GET /repos/{owner}/{repo}: "id", "owner.id") before promoting to production on GitHub; the local flow does not need them';
  if (!repository) {
    result.notes.push(`no GitHub "origin" remote: ${manual}`);
    return undefined;
  }
  const ids = await repositoryIds(repository, opts.runner.github, opts.api);
  if ('reason' in ids) {
    result.notes.push(`${repository}: ${ids.reason}; ${manual}`);
    return undefined;
  }
  result.pinned = ids;
  return ids;
}

/** Data files `dataops init` picks up when no --dataset is given: in the directory and one level below. */
const DATA_GLOB = ['*.{csv,tsv,parquet,json,ndjson,jsonl}', '*/*.{csv,tsv,parquet,json,ndjson,jsonl}'];
/** Directories whose files are never taken for datasets. */
const NOT_DATA = ['node_modules/**', '.dataops/**', '.git/**', 'fixtures/**', 'expected/**', 'quality/**', 'deploy/**', '.github/**', 'package.json', 'package-lock.json', 'tsconfig.json', '*/package.json', '*/package-lock.json'];

/** The data files of `root` (sorted) when the user named none. */
async function discoverDatasets(root: string): Promise<string[]> {
  const found = await glob(DATA_GLOB, { cwd: root, ignore: NOT_DATA, dot: false, onlyFiles: true });
  return found.sort().map((f) => path.join(root, f));
}

/**
 * Scaffolds a project in `dir` (created if missing): everything `dataops flow` needs to pass every
 * stage on the user's data without editing a file (see scaffold.ts), unless `pipeline` is `none`.
 * Relative dataset paths are resolved against the current directory.
 * @throws ConfigError when no dataset is given or found, a dataset file is missing or unreadable,
 *   two datasets share a name, or the expected outputs cannot be computed from the fixtures.
 */
export async function initProject(dir: string, opts: InitOptions): Promise<InitResult> {
  const root = path.resolve(dir);
  await mkdir(root, { recursive: true });
  const files = opts.datasets.length > 0 ? opts.datasets.map((f) => path.resolve(f)) : await discoverDatasets(root);
  if (files.length === 0) throw new ConfigError(`no dataset given and no data file (.csv, .tsv, .parquet, .json, .ndjson) in ${path.relative(process.cwd(), root) || '.'}`, { location: { field: '--dataset' }, fix: 'Pass at least one data file: dataops init --dataset data/orders.csv' });
  const language = opts.pipeline ?? 'node';
  const result: InitResult = { dir: root, created: [], kept: [], updated: [], datasets: [], notes: [] };
  const write = async (rel: string, text: string | Buffer) => {
    const file = path.join(root, rel);
    if (await exists(file)) {
      result.kept.push(rel);
      return false;
    }
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text, { flag: 'wx' });
    result.created.push(rel);
    return true;
  };

  const names = new Set<string>();
  const profiles: Array<{ name: string; file: string; profile: DatasetProfile }> = [];
  const engine = await openEngine({ tempDirectory: opts.runner.temp });
  try {
    for (const file of files) {
      if (!(await exists(file))) throw new ConfigError('dataset file not found', { location: { file: path.relative(process.cwd(), file) || file }, fix: 'Check the path (relative to the current directory).' });
      const name = datasetName(file);
      if (names.has(name)) throw new ConfigError(`two datasets would both be named "${name}"`, { location: { file }, fix: 'Rename one of the files.' });
      names.add(name);
      profiles.push({ name, file, profile: await profileDataset(file, { maxCategories: opts.maxCategories }, engine) });
    }
    // fixtures: the first rows of each dataset as CSV, what the pipeline reads in the system test
    if (language !== 'none') {
      for (const { name, file, profile } of profiles) {
        const rel = `fixtures/${name}.csv`;
        if (await exists(path.join(root, rel))) {
          result.kept.push(rel);
          continue;
        }
        await mkdir(path.join(root, 'fixtures'), { recursive: true });
        await engine.run(`COPY (SELECT * FROM ${readerSql([file], profile.format as DatasetFormat)} LIMIT ${FIXTURE_ROWS}) TO ${literal(path.join(root, rel))} ${copyOptions('csv')}`);
        result.created.push(rel);
      }
    }
  } finally {
    engine.close();
  }

  const pipeline = projectName(root, opts.name);
  const branch = opts.branch ?? 'main';
  const suites: string[] = [];
  for (const { name, file, profile } of profiles) {
    const rel = `quality/${name}.yml`;
    suites.push(rel);
    const checks = proposeChecks(name, profile, opts);
    const suite = { version: 1, suite: name, description: `Proposed by dataops init from profiling ${path.basename(file)}. Review before relying on it.`, checks };
    await write(rel, `# yaml-language-server: $schema=${SCHEMA_BASE}/quality-suite.schema.json\n` + stringify(suite, { lineWidth: 0 }));
    result.datasets.push({ name, file, rows: profile.rows, columns: profile.columns.length, checks: checks.length, suite: rel });
  }

  const pinned = await pinnedRepository(root, result, opts);
  const datasetNames = profiles.map((p) => p.name);
  const project = {
    version: 1,
    name: pipeline,
    description: `DataOps project scaffolded by dataops init.`,
    datasets: Object.fromEntries(profiles.map(({ name, file }) => [name, { path: datasetPath(root, file) }])),
    quality: { suites, fail_on: 'error' },
    ...(language !== 'none' ? projectSections(pipeline, datasetNames, branch, pinned) : pinned ? { promotion: { policy: pinned } } : {}),
  };
  await write('dataops.yml', `# yaml-language-server: $schema=${SCHEMA_BASE}/dataops-project.schema.json\n` + stringify(project, { lineWidth: 0 }));

  await ensureLines(root, '.gitignore', GITIGNORE, '.dataops', result);
  if (language !== 'none') {
    const templateDir = path.join(PIPELINE_TEMPLATES, language);
    for (const rel of (await glob('**/*', { cwd: templateDir, onlyFiles: true, dot: true })).sort()) await write(rel, await readFile(path.join(templateDir, rel)));
    if (await exists(path.join(root, 'Containerfile'))) result.kept.push('Containerfile');
    else if (opts.dockerfile !== false) await write('Dockerfile', dockerfile(language));
    await write('.dockerignore', DOCKERIGNORE);
    for (const [rel, text] of Object.entries(deployFiles(pipeline))) await write(rel, text);
    await writeExpected(root, datasetNames, opts.runner.temp, write);
  }
  if (opts.workflow !== false) {
    const registry = pinned ? `ghcr.io/${pinned.repository.split('/')[0]!.toLowerCase()}/${pipeline}` : undefined;
    for (const starter of ['dataops-ci.yml', 'dataops-cd.yml']) {
      // a `$default-branch` placeholder (organisation templates) becomes the branch; comments stay as written
      let text = (await readFile(path.join(STARTER_DIR, starter), 'utf8'))
        .split('\n')
        .map((line) => (line.trimStart().startsWith('#') ? line : line.replaceAll('$default-branch', branch)))
        .join('\n');
      if (registry) text = text.replaceAll('ghcr.io/my-org/my-pipeline', registry);
      await write(`.github/workflows/${starter}`, text);
    }
  }
  return result;
}

/** Appends `text` to `rel` unless a line of it already mentions `needle`; creates the file when missing. */
async function ensureLines(root: string, rel: string, text: string, needle: string, result: InitResult): Promise<void> {
  const file = path.join(root, rel);
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === undefined) {
    await writeFile(file, text, { flag: 'wx' });
    result.created.push(rel);
  } else if (current.split('\n').some((l) => !l.startsWith('#') && l.includes(needle))) {
    result.kept.push(rel);
  } else {
    await writeFile(file, `${current}${current.endsWith('\n') || current === '' ? '' : '\n'}${text}`);
    result.updated.push(rel);
  }
}

/**
 * expected/: the outputs of the project's pipeline (`pipeline/main.mjs`, scaffolded or since edited)
 * run on the host (the Node.js running dataops) over fixtures/, so the system test of the image compares its outputs with what the same code
 * produced outside it. Files that exist are kept.
 */
async function writeExpected(root: string, names: readonly string[], temp: string, write: (rel: string, text: Buffer) => Promise<boolean>): Promise<void> {
  const outputs = pipelineOutputs(names);
  const missing = [];
  for (const o of outputs) if (!(await exists(path.join(root, 'expected', o)))) missing.push(o);
  if (missing.length === 0) {
    for (const o of outputs) await write(`expected/${o}`, Buffer.alloc(0));
    return;
  }
  const out = await mkdtemp(path.join(temp, 'dataops-init-expected-'));
  try {
    const r = await execTool(process.execPath, [path.join(root, 'pipeline', 'main.mjs'), '--in', path.join(root, 'fixtures'), '--out', out], { timeoutMs: 120_000 });
    if (r.code !== 0) throw new ConfigError(`pipeline/main.mjs failed on fixtures/ (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}`, { location: { file: 'fixtures' }, fix: 'Check the fixture files are CSV with a header row, then run dataops init again.' });
    for (const o of outputs) await write(`expected/${o}`, await readFile(path.join(out, o)));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
