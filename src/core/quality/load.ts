/**
 * Loading a quality suite: YAML with line numbers → zod validation (with friendlier messages for the
 * usual mistakes) → dataset declarations merged with the project's and resolved to files.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { ConfigError, ConfigErrors } from '../errors.ts';
import { sha256 } from '../hash.ts';
import { parseYaml, validateYaml, type YamlPath } from '../yaml.ts';
import { readFile } from 'node:fs/promises';
import { checkSchema, suiteSchema, type DatasetFormat, type DatasetSpec, type SuiteSpec } from './suite.ts';

/** Check types a suite may use, in documentation order. */
export const CHECK_TYPES: string[] = checkSchema.options.map((o) => o.shape.type.value);

/** A validated suite file. */
export interface LoadedSuite {
  /** Path as given. */
  file: string;
  /** Absolute directory of the suite: its relative dataset paths resolve from here. */
  dir: string;
  spec: SuiteSpec;
  /** `sha256:` of the suite file's bytes. */
  sha256: string;
  /** 1-based line of a node of the suite (e.g. `['checks', 3]`). */
  lineOf: (p: YamlPath) => number | undefined;
}

/**
 * Reads and validates a suite file.
 * @throws ConfigError (file, line, field and fix) when the file is missing, empty, not YAML, or invalid;
 *   an unknown check type lists the valid ones.
 */
export async function loadSuite(file: string): Promise<LoadedSuite> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read suite file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {
      location: { file },
      fix: 'Check the path: relative paths resolve from the current directory.',
      cause: err,
    });
  }
  return parseSuite(text, file);
}

/**
 * Validates suite YAML text (`file` is used in messages and to resolve relative dataset paths).
 * @throws ConfigError like {@link loadSuite}.
 */
export function parseSuite(text: string, file: string): LoadedSuite {
  if (!text.trim()) throw new ConfigError('suite file is empty', { location: { file, line: 1 }, fix: 'Write "version: 1", "suite: <name>", "datasets:" and "checks:" (see schemas/quality-suite.schema.json).' });
  const source = parseYaml(text, file);
  const data = source.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError('a suite must be a YAML mapping', { location: { file, line: 1 }, fix: 'Write "version: 1", "suite: <name>", "datasets:" and "checks:".' });
  }
  // Friendlier than zod's discriminated-union message: name the bad type and list the valid ones.
  const checks = (data as { checks?: unknown }).checks;
  if (Array.isArray(checks)) {
    const problems: ConfigError[] = [];
    checks.forEach((c, i) => {
      const type = (c as { type?: unknown } | null)?.type;
      if (c && typeof c === 'object' && !CHECK_TYPES.includes(String(type))) {
        problems.push(
          new ConfigError(type === undefined ? 'missing check type' : `unknown check type ${JSON.stringify(type)}`, {
            location: { file, line: source.lineOf(['checks', i, 'type']), field: `checks[${i}].type` },
            fix: `Use one of: ${CHECK_TYPES.join(', ')}.`,
          }),
        );
      }
    });
    if (problems.length) throw new ConfigErrors(problems);
  }
  const spec = validateYaml(suiteSchema, source, 'See schemas/quality-suite.schema.json for the suite format.');
  const seen = new Map<string, number>();
  const dupes: ConfigError[] = [];
  spec.checks.forEach((c, i) => {
    if (!c.id) return;
    const first = seen.get(c.id);
    if (first === undefined) seen.set(c.id, i);
    else dupes.push(new ConfigError(`duplicate check id "${c.id}" (also checks[${first}])`, { location: { file, line: source.lineOf(['checks', i, 'id']), field: `checks[${i}].id` }, fix: 'Give every check its own id: reports and check runs key on it.' }));
  });
  if (dupes.length) throw new ConfigErrors(dupes);
  return { file, dir: path.dirname(path.resolve(file)), spec, sha256: sha256(text), lineOf: source.lineOf };
}

/** A dataset declaration together with where it was declared (relative paths resolve from `baseDir`). */
export interface DeclaredDataset {
  name: string;
  spec: DatasetSpec;
  baseDir: string;
  /** Where the declaration sits, for error messages. */
  origin: { file: string; line?: number | undefined };
}

/**
 * Datasets visible to a suite: the project's (`datasets:` of dataops.yml) overridden by the suite's own.
 */
export function mergeDatasets(
  suite: LoadedSuite,
  project?: { datasets: Record<string, DatasetSpec>; dir: string; file?: string },
): Map<string, DeclaredDataset> {
  const out = new Map<string, DeclaredDataset>();
  if (project) {
    for (const [name, spec] of Object.entries(project.datasets)) {
      out.set(name, { name, spec, baseDir: project.dir, origin: { file: project.file ?? path.join(project.dir, 'dataops.yml') } });
    }
  }
  for (const [name, spec] of Object.entries(suite.spec.datasets)) {
    out.set(name, { name, spec, baseDir: suite.dir, origin: { file: suite.file, line: suite.lineOf(['datasets', name]) } });
  }
  return out;
}

/** Format implied by a file name (`.csv`, `.tsv`, `.parquet`, `.json`, `.ndjson`/`.jsonl`, optionally `.gz`). */
export function formatFromPath(p: string): DatasetFormat | undefined {
  const name = p.toLowerCase().replace(/\.(gz|zst)$/, '');
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.tsv') || name.endsWith('.tab')) return 'tsv';
  if (name.endsWith('.parquet') || name.endsWith('.pq')) return 'parquet';
  if (name.endsWith('.ndjson') || name.endsWith('.jsonl')) return 'ndjson';
  if (name.endsWith('.json')) return 'json';
  return undefined;
}

/**
 * Resolves `npm:<package>/<file>` to a path inside the installed package, searching `node_modules`
 * upwards from `fromDir`, then from the current directory.
 * @returns the absolute path, or undefined when the package is not installed.
 */
export function resolveNpmPath(spec: string, fromDir: string): string | undefined {
  const rest = spec.slice('npm:'.length);
  const parts = rest.split('/');
  const pkgLen = rest.startsWith('@') ? 2 : 1;
  const pkg = parts.slice(0, pkgLen).join('/');
  const inner = parts.slice(pkgLen).join('/');
  for (const start of [fromDir, process.cwd()]) {
    let dir = path.resolve(start);
    for (;;) {
      const candidate = path.join(dir, 'node_modules', pkg);
      if (existsSync(path.join(candidate, 'package.json'))) return path.join(candidate, inner);
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return undefined;
}

/** Files a file dataset reads, in path order, plus the format they are read as. */
export interface ResolvedFiles {
  files: string[];
  format: DatasetFormat;
}

/**
 * Resolves a file dataset's paths/globs to existing, non-empty files.
 * @throws ConfigError naming the declaration (file, line, field) when a path matches nothing, a file
 *   is empty, a package is not installed, or the format cannot be told from the extension.
 */
export async function resolveDatasetFiles(ds: DeclaredDataset): Promise<ResolvedFiles> {
  const spec = ds.spec;
  if (!('path' in spec)) throw new Error(`resolveDatasetFiles called on SQL dataset ${ds.name}`);
  const where = { file: ds.origin.file, line: ds.origin.line, field: `datasets.${ds.name}.path` };
  const patterns = Array.isArray(spec.path) ? spec.path : [spec.path];
  const files: string[] = [];
  for (const pattern of patterns) {
    let p = pattern;
    if (p.startsWith('npm:')) {
      const resolved = resolveNpmPath(p, ds.baseDir);
      if (!resolved) {
        throw new ConfigError(`npm package of "${pattern}" is not installed`, { location: where, fix: `Install it (npm install ${pattern.slice(4).split('/').slice(0, pattern.startsWith('npm:@') ? 2 : 1).join('/')}) or use a file path.` });
      }
      p = resolved;
    } else {
      p = path.resolve(ds.baseDir, p);
    }
    let matched: string[];
    if (isDynamicPattern(p)) {
      matched = (await glob(path.relative(ds.baseDir, p).split(path.sep).join('/'), { cwd: ds.baseDir, absolute: true, onlyFiles: true })).sort();
    } else {
      matched = existsSync(p) ? [p] : [];
    }
    if (matched.length === 0) {
      throw new ConfigError(`"${pattern}" matches no file (looked for ${p})`, { location: where, fix: 'Check the path: it is relative to the file that declares the dataset.' });
    }
    for (const m of matched) {
      if (statSync(m).size === 0) throw new ConfigError(`data file ${path.relative(process.cwd(), m) || m} is empty`, { location: where, fix: 'Produce the file before running the suite, or remove the dataset.' });
    }
    files.push(...matched);
  }
  const format = spec.format ?? formatFromPath(files[0] ?? '');
  if (!format) throw new ConfigError(`cannot tell the format of ${files[0] ?? '(no file)'} from its extension`, { location: { ...where, field: `datasets.${ds.name}.format` }, fix: 'Add format: csv|tsv|parquet|json|ndjson.' });
  return { files, format };
}
