/**
 * What `dataops data diff` and the data-diff action compare: two data files, two directories of
 * outputs (files paired by relative path: the base branch's image outputs and the pull request's
 * on the same fixtures), or two data manifests (schema and row count only: a manifest holds no
 * rows). Files are read on an engine locked to exactly the named files.
 */
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { openEngine, type EngineOptions } from '../engine/duckdb.ts';
import { ConfigError } from '../errors.ts';
import { formatFromPath, readerSql } from '../formats.ts';
import { diffRelations, diffSchemas, type DataDiff } from './diff.ts';

/** Options of {@link diffPaths}. */
export interface DiffPathsOptions {
  /** Key columns of the row diff (each dataset; a dataset lacking one gets schema and row counts only when `keys` is per dataset). */
  key?: readonly string[] | undefined;
  /** Keys per dataset name (file name relative to the directory): win over `key`. */
  keys?: Record<string, readonly string[]> | undefined;
  pii?: ReadonlySet<string> | undefined;
  samples?: number | undefined;
  /** Count duplicated keys (diff.ts). */
  checkKeys?: boolean | undefined;
  engine?: EngineOptions | undefined;
}

/**
 * Parses key settings, one per line: `col1, col2` is the key of every dataset; `<dataset>: col1, col2`
 * (the dataset's path relative to the compared directories, e.g. `daily_routes.csv: date, origin`)
 * the key of that dataset only.
 * @throws ConfigError for a line with a dataset but no columns.
 */
export function parseKeySpec(text: string, field: string): { key: string[]; keys: Record<string, string[]> } {
  const key: string[] = [];
  const keys: Record<string, string[]> = {};
  const columns = (v: string) => v.split(',').map((c) => c.trim()).filter(Boolean);
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^([^:,]+):(.*)$/.exec(line);
    if (!m) {
      key.push(...columns(line));
      continue;
    }
    const cols = columns(m[2]!);
    if (!cols.length) throw new ConfigError(`"${line}" names no key column`, { location: { field }, fix: 'Write "<dataset>: column[, column…]", e.g. "daily_routes.csv: date, origin, destination".' });
    keys[m[1]!.trim()] = cols;
  }
  return { key, keys };
}

const isManifest = (p: string) => p.endsWith('.data-manifest.json');

/** Data files below `dir` by relative path (posix), sorted. */
async function filesOf(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || !formatFromPath(e.name)) continue;
    const abs = path.join(e.parentPath, e.name);
    out.set(path.relative(dir, abs).split(path.sep).join('/'), abs);
  }
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Diffs `base` and `head` (both files, both directories, or both data manifests).
 * @returns one diff per dataset; in directories, a file on one side only is diffed against an empty table of its columns (all its rows added or removed).
 * @throws ConfigError for a missing path, mixed kinds, an unknown file format or a missing key column.
 */
export async function diffPaths(base: string, head: string, opts: DiffPathsOptions = {}): Promise<DataDiff[]> {
  for (const [flag, p] of [['base', base], ['head', head]] as const) {
    if (!existsSync(p)) throw new ConfigError(`${p} does not exist`, { location: { field: flag }, fix: 'Name a data file, a directory of data files or a *.data-manifest.json.' });
  }
  if (isManifest(base) !== isManifest(head)) throw new ConfigError('compare a manifest with a manifest, or data with data', { location: { field: 'head' } });
  if (isManifest(base)) {
    // loaded here: a diff of data files needs neither the manifest schema nor its YAML paths
    const { readManifest } = await import('./manifest.ts');
    const [b, h] = await Promise.all([readManifest(base), readManifest(head)]);
    return [{ dataset: path.basename(head).replace(/\.data-manifest\.json$/, ''), base, head, schema: diffSchemas(b.schema, h.schema), row_count: { base: b.row_count, head: h.row_count, delta: h.row_count - b.row_count } }];
  }
  const bDir = statSync(base).isDirectory();
  if (bDir !== statSync(head).isDirectory()) throw new ConfigError('compare a directory with a directory, or a file with a file', { location: { field: 'head' } });
  let pairs: Array<{ name: string; base?: string | undefined; head?: string | undefined }>;
  if (bDir) {
    const [b, h] = await Promise.all([filesOf(base), filesOf(head)]);
    pairs = [...new Set([...b.keys(), ...h.keys()])].sort().map((name) => ({ name, base: b.get(name), head: h.get(name) }));
  } else {
    pairs = [{ name: path.basename(head), base, head }];
  }
  const files = pairs.flatMap((p) => [p.base, p.head]).filter((f): f is string => f !== undefined);
  for (const f of files) if (!formatFromPath(f)) throw new ConfigError(`cannot tell the format of ${f} from its extension`, { location: { field: 'base' }, fix: 'Use .csv, .tsv, .parquet, .json or .ndjson files.' });
  const engine = await openEngine(opts.engine);
  try {
    await engine.lock({ allowedPaths: files.map((f) => path.resolve(f)) });
    const out: DataDiff[] = [];
    for (const p of pairs) {
      const reader = (f: string | undefined, other: string) => (f ? readerSql([path.resolve(f)], formatFromPath(f)!) : `(SELECT * FROM ${readerSql([path.resolve(other)], formatFromPath(other)!)} LIMIT 0)`);
      const b = reader(p.base, p.head!);
      const h = reader(p.head, p.base!);
      const key = opts.keys?.[p.name] ?? opts.key;
      const names = { base: p.base ?? `(no ${p.name})`, head: p.head ?? `(no ${p.name})` };
      out.push({ dataset: p.name, ...(await diffRelations(engine, b, h, { key, pii: opts.pii, samples: opts.samples, checkKeys: opts.checkKeys, names })) });
    }
    return out;
  } finally {
    engine.close();
  }
}
