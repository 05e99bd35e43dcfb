/**
 * Confinement of paths named by files that can arrive in a pull request (dataops.yml, quality
 * suites): such a path must resolve, symbolic links followed, inside the project root (or another
 * directory the caller trusts), and never into `.git` or a credential file that CI tools leave in
 * the workspace ({@link CREDENTIAL_PATHS}). Paths the user gives as CLI flags or action inputs are
 * the user's own choice and are not confined here.
 */
import { existsSync, lstatSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, type ErrorLocation } from './errors.ts';

/**
 * Files and directories refused wherever a project file or suite names a path, as
 * `[pattern, what it holds]`. A pattern ending in `/` is a directory matched at any depth; the
 * others match the end of the path (`*` = any characters within a name). Matched case-insensitively
 * on the real path, relative to the root it lies in.
 */
export const CREDENTIAL_PATHS: ReadonlyArray<readonly [pattern: string, holds: string]> = [
  ['.git/', "the checkout's token (actions/checkout keeps it in .git/config)"],
  ['gha-creds-*.json', 'Google Cloud credentials (google-github-actions/auth writes them into the workspace)'],
  ['.npmrc', 'npm registry tokens'],
  ['.netrc', 'host passwords (curl, git, pip)'],
  ['_netrc', 'host passwords (curl, git, pip)'],
  ['.pypirc', 'PyPI tokens'],
  ['.git-credentials', 'git credential-store passwords'],
  ['.pgpass', 'PostgreSQL passwords'],
  ['.env', 'environment secrets (dotenv)'],
  ['.env.*', 'environment secrets (dotenv)'],
  ['.docker/config.json', 'registry credentials (docker login)'],
  ['.kube/config', 'cluster credentials (kubectl)'],
  ['.ssh/', 'SSH keys'],
  ['.aws/', 'AWS credentials'],
  ['.azure/', 'Azure CLI tokens'],
  ['.config/gcloud/', 'gcloud credentials'],
  ['.gnupg/', 'GPG keys'],
];

const namePattern = (p: string) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`, 'i');
const COMPILED = CREDENTIAL_PATHS.map(([pattern, holds]) => ({ pattern, holds, dir: pattern.endsWith('/'), parts: pattern.replace(/\/$/, '').split('/').map(namePattern) }));

/** The {@link CREDENTIAL_PATHS} entry `relPath` (relative, `/` or the platform separator) falls under, if any. */
export function credentialPath(relPath: string): { pattern: string; holds: string } | undefined {
  const names = relPath.split(/[\\/]/).filter((n) => n && n !== '.');
  for (const c of COMPILED) {
    const at = (i: number) => c.parts.every((re, j) => re.test(names[i + j] ?? ''));
    const starts = c.dir ? names.map((_n, i) => i) : [names.length - c.parts.length];
    if (starts.some((i) => i >= 0 && i + c.parts.length <= names.length && at(i))) return { pattern: c.pattern, holds: c.holds };
  }
  return undefined;
}

/** Whether `file` is `dir` or lies below it (both absolute, compared as normalised paths). */
export function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** `dir`'s real path, or its absolute path when it does not exist. */
export function realDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

/**
 * The project root paths are confined to: `explicit` when given; else the repository (nearest
 * ancestor holding `.git`) of the project or suite directory; else the project directory; else
 * the current directory when it holds the suite; else the suite's directory.
 */
export function projectRoot(suiteDir: string, projectDir?: string, explicit?: string): string {
  if (explicit) return path.resolve(explicit);
  const start = path.resolve(projectDir ?? suiteDir);
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) break;
  }
  if (projectDir) return path.resolve(projectDir);
  const cwd = process.cwd();
  return isInside(path.resolve(suiteDir), cwd) ? cwd : path.resolve(suiteDir);
}

/**
 * Real path of `abs` with symlinks followed; for a path that does not exist yet (a file written
 * later), the real path of its nearest existing ancestor joined with the rest. Undefined for a
 * dangling symbolic link (it could be written through to anywhere).
 */
function realPathOf(abs: string): string | undefined {
  const rest: string[] = [];
  let existing = abs;
  for (;;) {
    try {
      lstatSync(existing);
      break;
    } catch {
      if (path.dirname(existing) === existing) break;
      rest.unshift(path.basename(existing));
      existing = path.dirname(existing);
    }
  }
  try {
    return path.join(realpathSync(existing), ...rest);
  } catch {
    return undefined;
  }
}

/** Where a confined path leads: its real path and the root it lies in, or why it is refused. */
export type PathCheck = { real: string; root: string; refused?: undefined } | { refused: string; credential: boolean };

/**
 * Checks the absolute path `abs` against `roots` (absolute directories; `within` names them in
 * messages): lexically first, so nothing outside is even tested for existence; then its real path;
 * then `.git` and {@link CREDENTIAL_PATHS} below the root it lies in.
 */
export function checkPath(abs: string, roots: readonly string[], within = 'the project'): PathCheck {
  const real = roots.map(realDir);
  if (![...roots.map((r) => path.resolve(r)), ...real].some((r) => isInside(abs, r))) return { refused: `is outside ${within}`, credential: false };
  const resolved = realPathOf(abs);
  const root = resolved === undefined ? undefined : real.find((r) => isInside(resolved, r));
  if (resolved === undefined || root === undefined) return { refused: `leads outside ${within} (through a symbolic link)`, credential: false };
  const cred = credentialPath(path.relative(root, resolved));
  if (cred) return { refused: cred.pattern === '.git/' ? `reads inside .git: ${cred.holds}` : `is a credential file (${cred.pattern}): ${cred.holds}`, credential: true };
  return { real: resolved, root };
}

/**
 * {@link checkPath} for every entry below the directory `dir` (real path, inside `root`): the
 * first entry that is `.git`, a credential file, or a symbolic link leading outside `within`.
 * For a directory handed over whole (mounted into a container, copied): nothing in it may be a
 * credential. Entries are checked before descending, so `.git` at the top is found at once.
 */
export function checkTree(dir: string, root: string, within = 'the project'): { entry: string; refused: string; credential: boolean } | undefined {
  const queue = [dir];
  for (let d = queue.shift(); d !== undefined; d = queue.shift()) {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      const c = checkPath(p, [root], within);
      if (c.refused !== undefined) return { entry: path.relative(dir, p), ...c };
      if (e.isDirectory()) queue.push(p);
    }
  }
  return undefined;
}

/** A path named by a project file or suite that leads outside where it may read or write, or into a credential file. */
export class PathAccessError extends ConfigError {}

/** Fix of a refused credential path. */
export const CREDENTIAL_FIX = 'Credential files and .git are never read or written through dataops.yml or a suite (docs/quality.md#credential-files): name a file of the project that holds data.';

const TREE_FIX = 'A directory handed over whole (mounted into the container, copied) holds data only: point the field at a directory without .git or credential files (docs/quality.md#credential-files).';

/** Options of {@link confinePath}. */
export interface ConfineOptions {
  /** Directory a relative path resolves from. */
  base: string;
  /** Directories the path may lead into (absolute). */
  roots: readonly string[];
  /** What `roots` are, in messages. Default "the project". */
  within?: string;
  /** Where the path was declared (file, line, field). */
  location: ErrorLocation;
  /** Fix of a path outside `roots`. */
  fix?: string;
  /** A directory handed over whole: nothing below it may be refused either ({@link checkTree}). */
  tree?: boolean;
}

/**
 * Resolves `p` from `o.base` and confines it (see {@link checkPath}).
 * @returns the real path (symlinks followed; a path that does not exist yet is resolved through
 *   its nearest existing ancestor).
 * @throws PathAccessError naming `o.location` when the path, or with `tree` an entry below it,
 *   leads outside `o.roots` or into `.git` or a credential file.
 */
export function confinePath(p: string, o: ConfineOptions): string {
  const within = o.within ?? 'the project';
  const fix = o.fix ?? `Paths in dataops.yml and suites stay inside ${within}; give a path of your own elsewhere as a CLI flag or action input.`;
  const c = checkPath(path.resolve(o.base, p), o.roots, within);
  if (c.refused !== undefined) throw new PathAccessError(`"${p}" ${c.refused}`, { location: o.location, fix: c.credential ? CREDENTIAL_FIX : fix });
  if (o.tree && existsSync(c.real)) {
    const below = checkTree(c.real, c.root, within);
    if (below) throw new PathAccessError(`"${p}" holds ${below.entry}, which ${below.refused}`, { location: o.location, fix: below.credential ? TREE_FIX : fix });
  }
  return c.real;
}
