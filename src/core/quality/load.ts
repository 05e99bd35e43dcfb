/**
 * Loading a quality suite: YAML with line numbers → zod validation (with friendlier messages for the
 * usual mistakes) → dataset declarations merged with the project's and resolved to files.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { ConfigError, ConfigErrors } from '../errors.ts';
import { checkPath, CREDENTIAL_FIX, PathAccessError } from '../paths.ts';
import { RUNTIME_PACKAGES, type RuntimePackageSpec } from '../runtime/packages.ts';
import { sha256 } from '../hash.ts';
import { decodeUtf8, parseYaml, validateYaml, type YamlPath } from '../yaml.ts';
import { readFile } from 'node:fs/promises';
import { formatFromPath, readerOptionsOf, type DatasetFormat } from '../formats.ts';
import { checkSchema, NOT_FOR, suiteSchema, type CheckSpec, type DatasetSpec, type SuiteSpec } from './suite.ts';
import { schemaUrl } from '../schema-url.ts';

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
  /** The suite's text (what a pull request shows anyway: error texts may quote it). */
  text: string;
}

/**
 * Reads and validates a suite file.
 * @throws ConfigError (file, line, field and fix) when the file is missing, empty, not YAML, or invalid;
 *   an unknown check type lists the valid ones.
 */
export async function loadSuite(file: string): Promise<LoadedSuite> {
  let text: string;
  try {
    text = decodeUtf8(await readFile(file), file);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
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
  if (!text.trim()) throw new ConfigError('suite file is empty', { location: { file, line: 1 }, fix: `Write "version: 1", "suite: <name>", "datasets:" and "checks:" (see ${schemaUrl('quality-suite.schema.json')}).` });
  const source = parseYaml(text, file);
  const data = source.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError('a suite must be a YAML mapping', { location: { file, line: 1 }, fix: 'Write "version: 1", "suite: <name>", "datasets:" and "checks:".' });
  }
  // Friendlier than zod's discriminated-union message: name the bad type and list the valid ones;
  // a key the check type does not take says why.
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
        return;
      }
      for (const [key, why] of Object.entries(NOT_FOR[String(type)] ?? {})) {
        if (c && typeof c === 'object' && key in c) problems.push(new ConfigError(`${String(type)} does not take ${key}: ${why}`, { location: { file, line: source.lineOf(['checks', i, key]), field: `checks[${i}].${key}` } }));
      }
    });
    if (problems.length) throw new ConfigErrors(problems);
  }
  const spec = validateYaml(suiteSchema, source, `See ${schemaUrl('quality-suite.schema.json')} for the suite format.`);
  const seen = new Map<string, number>();
  const dupes: ConfigError[] = [];
  spec.checks.forEach((c, i) => {
    if (!c.id) return;
    const first = seen.get(c.id);
    if (first === undefined) seen.set(c.id, i);
    else dupes.push(new ConfigError(`duplicate check id "${c.id}" (also checks[${first}])`, { location: { file, line: source.lineOf(['checks', i, 'id']), field: `checks[${i}].id` }, fix: 'Give every check its own id: reports and check runs key on it.' }));
  });
  if (dupes.length) throw new ConfigErrors(dupes);
  const semantic = spec.checks.flatMap((c, i) => checkProblems(c).map(([field, problem, fix]) => new ConfigError(problem, { location: { file, line: source.lineOf(['checks', i, field]), field: `checks[${i}].${field}` }, fix })));
  if (semantic.length) throw new ConfigErrors(semantic);
  return { file, dir: path.dirname(path.resolve(file)), spec, sha256: sha256(text), lineOf: source.lineOf, text };
}

/** Settings of a check that no data could satisfy or that contradict each other: [field, problem, fix]. */
function checkProblems(c: CheckSpec): Array<[string, string, string]> {
  if (c.type !== 'range') return [];
  if (c.min === undefined && c.max === undefined) return [['min', 'a range check needs min, max or both', 'Add min and/or max.']];
  if (c.min === undefined || c.max === undefined || typeof c.min !== typeof c.max) return [];
  const inc = typeof c.inclusive === 'boolean' ? { min: c.inclusive, max: c.inclusive } : c.inclusive;
  if (c.min > c.max) return [['min', `min (${String(c.min)}) is greater than max (${String(c.max)}): every row would fail`, 'Swap them.']];
  if (c.min === c.max && !(inc.min && inc.max)) return [['inclusive', `min and max are both ${String(c.min)} and a bound is exclusive: every row would fail`, 'Make both bounds inclusive, or widen the range.']];
  return [];
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

/** npm package names (https://docs.npmjs.com/cli/configuring-npm/package-json#name), scoped or not. */
const NPM_NAME = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/i;

/** The data packages of the runtime (installed by the actions when a dataset names one). */
const DATA_PACKAGES = (Object.values(RUNTIME_PACKAGES) as RuntimePackageSpec[]).filter((s) => s.data).map((s) => s.packages[0]!);

/** `npm:<package>/<file>` split into the package name (scoped or not) and the file inside it. */
function splitNpmSpec(spec: string): { pkg: string; inner: string } {
  const parts = spec.slice('npm:'.length).split('/');
  const pkgLen = parts[0]!.startsWith('@') ? 2 : 1;
  return { pkg: parts.slice(0, pkgLen).join('/'), inner: parts.slice(pkgLen).join('/') };
}

/** The package directory (symlinks resolved) and `inner` in it, or undefined when `dir` is not in a node_modules tree (npm, pnpm's store, a runtime install). */
function inPackage(dir: string, inner: string): { packageDir: string; file: string } | undefined {
  const packageDir = realpathSync(dir);
  // an installed package lives in a node_modules tree: a node_modules entry linked to another
  // directory that happens to hold a package.json is not one
  if (!packageDir.split(path.sep).includes('node_modules')) return undefined;
  return { packageDir, file: path.resolve(packageDir, inner) };
}

/**
 * Resolves `npm:<package>/<file>` to a path inside the installed package, searching `node_modules`
 * upwards from `fromDir`, then from the current directory.
 * @returns the package directory (symlinks resolved; it must lie in a node_modules tree) and the
 *   file's absolute path, or undefined when the name is not a package name or the package is not
 *   installed. The file may still lie outside the package (`npm:pkg/../..`): callers check with
 *   {@link checkPath}.
 */
export function resolveNpmPath(spec: string, fromDir: string): { packageDir: string; file: string } | undefined {
  const { pkg, inner } = splitNpmSpec(spec);
  if (!NPM_NAME.test(pkg)) return undefined;
  for (const start of [fromDir, process.cwd()]) {
    let dir = path.resolve(start);
    for (;;) {
      const candidate = path.join(dir, 'node_modules', pkg);
      if (existsSync(path.join(candidate, 'package.json'))) return inPackage(candidate, inner);
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return undefined;
}

/** Directories a dataset may read from: the project root and any extra ones (e.g. the system test's output directory). */
export interface DataRoots {
  /** Absolute project root (see `projectRoot` in ../paths.ts). */
  root: string;
  /** Further absolute directories, trusted by the caller (not by the suite). */
  extra?: string[];
  /**
   * Where an `npm:` package not installed in node_modules may still come from: the runtime's data
   * packages (`RuntimeModules.dataPackage`: vega-datasets, pinned by dataops-actions, installed
   * into the tool cache on first use; undefined for any other package). Absent: node_modules only.
   */
  dataPackage?: ((name: string) => Promise<string | undefined>) | undefined;
}

/** Files a file dataset reads, in path order, plus the format they are read as. */
export interface ResolvedFiles {
  files: string[];
  format: DatasetFormat;
}

/**
 * Resolves a file dataset's paths/globs to existing, non-empty files, symlinks resolved.
 * Every file must lie inside `roots` (or, for `npm:`, inside the named package), outside `.git`
 * and be no credential file ({@link checkPath}); a path that leaves them is refused before
 * anything outside is listed or read.
 * @throws PathAccessError for such a path (never a data problem: the suite is refused);
 *   ConfigError naming the declaration (file, line, field) when a path matches nothing, a file is
 *   empty, a package is not installed, a reader option does not exist for the format, or the
 *   format cannot be told from the extension.
 */
export async function resolveDatasetFiles(ds: DeclaredDataset, roots: DataRoots): Promise<ResolvedFiles> {
  const spec = ds.spec;
  if (!('path' in spec)) throw new Error(`resolveDatasetFiles called on SQL dataset ${ds.name}`);
  const where = { file: ds.origin.file, line: ds.origin.line, field: `datasets.${ds.name}.path` };
  const patterns = Array.isArray(spec.path) ? spec.path : [spec.path];
  const fix = 'A dataset reads files inside the project (the repository), or inside an installed npm package with "npm:<package>/<file>".';
  const files: string[] = [];
  for (const pattern of patterns) {
    let p: string;
    let within: { roots: string[]; name?: string };
    if (pattern.startsWith('npm:')) {
      const { pkg, inner } = splitNpmSpec(pattern);
      let resolved = resolveNpmPath(pattern, ds.baseDir);
      if (!resolved && NPM_NAME.test(pkg)) {
        let installed: string | undefined;
        try {
          installed = await roots.dataPackage?.(pkg);
        } catch (err) {
          // offline, a proxy, an integrity mismatch: this dataset cannot be read (its checks end in error), the others can
          throw new ConfigError(`cannot install the npm package of "${pattern}": ${(err as Error).message}`, { location: where, fix: 'Let the runner reach the npm registry (or set npm_config_registry to a mirror), or commit the files and point the dataset at them.', cause: err });
        }
        if (installed) resolved = inPackage(installed, inner);
      }
      if (!resolved) {
        const pinned = roots.dataPackage ? ` (the actions install no other npm package than the data packages dataops-actions pins: ${DATA_PACKAGES.join(', ')})` : '';
        throw new ConfigError(`npm package of "${pattern}" is not installed`, { location: where, fix: `Install it (npm install ${pkg}) or use a file path${pinned}.` });
      }
      p = resolved.file;
      within = { roots: [resolved.packageDir], name: 'its npm package' };
      if (p === resolved.packageDir) throw new PathAccessError(`"${pattern}" is its npm package's directory, not a file`, { location: where, fix });
    } else {
      p = path.resolve(ds.baseDir, pattern);
      within = { roots: [roots.root, ...(roots.extra ?? [])] };
    }
    /** The real path of `file`, or the suite is refused (see checkPath). */
    const confine = (file: string): string => {
      const c = checkPath(file, within.roots, within.name);
      if (c.refused !== undefined) throw new PathAccessError(`"${pattern}" ${c.refused}`, { location: where, fix: c.credential ? CREDENTIAL_FIX : fix });
      return c.real;
    };
    // the pattern (or a glob's fixed part) first, lexically and through the links that exist: nothing outside is listed or read
    const globBase = isDynamicPattern(p) ? path.dirname(p.split(/[*?[{]/)[0]! + 'x') : undefined;
    confine(globBase ?? p);
    const matched = globBase !== undefined ? (await glob(path.relative(globBase, p).split(path.sep).join('/'), { cwd: globBase, absolute: true, onlyFiles: true, followSymbolicLinks: false })).sort() : existsSync(p) ? [p] : [];
    if (matched.length === 0) {
      throw new ConfigError(`"${pattern}" matches no file`, { location: where, fix: 'Check the path: it is relative to the file that declares the dataset.' });
    }
    for (const m of matched) {
      const real = confine(m);
      if (statSync(real).size === 0) throw new ConfigError(`data file ${path.relative(process.cwd(), m) || m} is empty`, { location: where, fix: 'Produce the file before running the suite, or remove the dataset.' });
      files.push(real);
    }
  }
  const format = spec.format ?? formatFromPath(files[0] ?? '');
  if (!format) throw new ConfigError(`cannot tell the format of ${path.basename(files[0] ?? '(no file)')} from its extension`, { location: { ...where, field: `datasets.${ds.name}.format` }, fix: 'Add format: csv|tsv|parquet|json|ndjson.' });
  const known = readerOptionsOf(format);
  for (const key of Object.keys(spec.options ?? {})) {
    if (!known.includes(key)) throw new ConfigError(`reader option "${key}" does not apply to ${format} files`, { location: { ...where, field: `datasets.${ds.name}.options.${key}` }, fix: `Use one of: ${known.join(', ')}.` });
  }
  return { files, format };
}
