/**
 * The data manifests of a run, as stages record them: each stage that reads datasets (quality,
 * system test, verify) writes one manifest file per dataset under its own directory and keeps a
 * {@link RecordedManifest} per file (its digest, the stage, input or output), which push attaches
 * to the image, promotion carries and lineage shows.
 *
 * Directories of data files the toolkit did not declare as datasets (the system test's fixtures
 * and the image's outputs) are profiled by {@link manifestsOfDirectory}: every file of a known
 * format inside the directory (symlinks resolved, `.git` and credential files refused, as
 * src/core/paths.ts rules), read on an engine locked to exactly those files.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { openEngine, type EngineOptions } from '../engine/duckdb.ts';
import { formatFromPath } from '../formats.ts';
import { checkPath, realDir } from '../paths.ts';
import { computeManifest, writeManifests, type DataManifest } from './manifest.ts';
import type { DataVersions } from '../promotion/message.ts';

/** A manifest written by a stage. */
export interface RecordedManifest {
  /** Stage that read the dataset: `quality`, `system-test`, `verify-staging`… */
  stage: string;
  /** `input`: data the stage (or the image) read; `output`: data the image wrote. */
  role: 'input' | 'output';
  dataset: string;
  /** `sha256:` of the manifest file (manifest.ts {@link manifestDigest}). */
  digest: string;
  /** Absolute path of the manifest file. */
  file: string;
  content_hash: string | null;
  row_count: number;
}

/**
 * Writes `manifests` under `dir` and returns their records.
 * @throws the fs error when `dir` cannot be written.
 */
export async function recordManifests(dir: string, stage: string, role: RecordedManifest['role'], manifests: readonly DataManifest[]): Promise<RecordedManifest[]> {
  const written = await writeManifests(dir, manifests);
  return written.map((w) => ({ stage, role, dataset: w.manifest.dataset.name, digest: w.digest, file: w.file, content_hash: w.manifest.content_hash, row_count: w.manifest.row_count }));
}

/**
 * Lower-cased names of the columns any dataset declares `pii: true` (dataops.yml or a suite):
 * for files that are no declared dataset (fixtures, outputs), every column of such a name is PII.
 */
export function piiColumnNames(datasets: Iterable<{ columns?: Record<string, { pii?: boolean }> | undefined }>): Set<string> {
  const out = new Set<string>();
  for (const d of datasets) for (const [name, marks] of Object.entries(d.columns ?? {})) if (marks.pii) out.add(name.toLowerCase());
  return out;
}

/** Options of {@link manifestsOfDirectory}. */
export interface DirectoryManifestOptions {
  /** Directory `files` paths are shown relative to. Default: `dir`. */
  root?: string | undefined;
  /** Lower-cased PII column names (profile.ts: counted only). */
  pii?: ReadonlySet<string> | undefined;
  engine?: EngineOptions | undefined;
}

/** Data files (known formats) under `dir`, recursively, sorted; `.git` and dot-directories skipped. */
async function dataFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.')) await walk(p);
      } else if ((e.isFile() || e.isSymbolicLink()) && formatFromPath(e.name)) out.push(p);
    }
  };
  await walk(dir);
  return out.sort();
}

/**
 * One manifest per data file under `dir` (named by its path relative to `dir`, e.g.
 * `daily_routes.parquet`). A file leading outside `dir` (a link), into `.git` or to a credential
 * file is skipped, and so is a file the engine cannot read; each skip is a line in `skipped`.
 * @throws the engine loader's error when no engine can be had.
 */
export async function manifestsOfDirectory(dir: string, opts: DirectoryManifestOptions = {}): Promise<{ manifests: DataManifest[]; skipped: string[] }> {
  const base = path.resolve(dir);
  const files: Array<{ file: string; real: string; name: string }> = [];
  const skipped: string[] = [];
  for (const file of await dataFiles(base)) {
    const name = path.relative(base, file).split(path.sep).join('/');
    const check = checkPath(file, [base], path.basename(base));
    if (check.refused !== undefined) skipped.push(`${name}: ${check.refused}`);
    else files.push({ file, real: check.real, name });
  }
  const manifests: DataManifest[] = [];
  if (!files.length) return { manifests, skipped };
  const engine = await openEngine(opts.engine);
  try {
    await engine.lock({ allowedPaths: files.map((f) => f.real) });
    for (const f of files) {
      try {
        manifests.push(await computeManifest(engine, { name: f.name, location: f.name, files: [f.real], format: formatFromPath(f.name)!, root: realDir(opts.root ?? base), pii: opts.pii }));
      } catch (err) {
        skipped.push(`${f.name}: cannot be read (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
      }
    }
  } finally {
    engine.close();
  }
  return { manifests, skipped };
}

/**
 * {@link manifestsOfDirectory} of `dataDir`, written under `outDir` and recorded for `stage`.
 * @throws like {@link manifestsOfDirectory} and {@link recordManifests}.
 */
export async function recordDirectory(dataDir: string, outDir: string, stage: string, role: RecordedManifest['role'], opts: DirectoryManifestOptions = {}): Promise<{ recorded: RecordedManifest[]; skipped: string[] }> {
  const { manifests, skipped } = await manifestsOfDirectory(dataDir, opts);
  return { recorded: await recordManifests(outDir, stage, role, manifests), skipped };
}

/** `manifests` with those of `stage` replaced by `recorded` (a stage run twice keeps its last). */
export function withStage(manifests: readonly RecordedManifest[] | undefined, stage: string, recorded: readonly RecordedManifest[]): RecordedManifest[] {
  return [...(manifests ?? []).filter((m) => m.stage !== stage), ...recorded];
}

/** The promotion message's `data_versions` (promotion/message.ts) of a run's recorded manifests and their artifact. */
export function dataVersionsOf(data: { manifests: readonly RecordedManifest[]; artifact?: { digest: string } | undefined }): DataVersions {
  return {
    ...(data.artifact ? { artifact: data.artifact.digest } : {}),
    manifests: data.manifests.map((m) => ({ dataset: m.dataset, stage: m.stage, role: m.role, manifest: m.digest, content_hash: m.content_hash, row_count: m.row_count })),
  };
}
