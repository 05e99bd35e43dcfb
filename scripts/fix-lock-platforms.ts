/**
 * Adds lockfile entries for optional platform packages the npm registry mirror of this workplace
 * does not serve (DuckDB's bindings for macOS, Windows and linux-arm64), so that `npm ci` accepts
 * the lockfile. They are marked optional with their os/cpu/libc, so npm skips them on Linux x64 and
 * fetches them by version where they match (the public registry has them).
 * Usage: node scripts/fix-lock-platforms.ts [package-lock.json ...]
 */
import { readFile, writeFile } from 'node:fs/promises';

interface LockEntry {
  version?: string;
  optionalDependencies?: Record<string, string>;
  [k: string]: unknown;
}

/** os/cpu/libc of a `…-<os>-<cpu>[-musl]` package name. */
export function platformOf(name: string): { os: string[]; cpu: string[]; libc?: string[] } | undefined {
  const m = /-(darwin|linux|win32)-(x64|arm64)(-musl)?$/.exec(name);
  if (!m) return undefined;
  return { os: [m[1]!], cpu: [m[2]!], ...(m[1] === 'linux' ? { libc: [m[3] ? 'musl' : 'glibc'] } : {}) };
}

/** Returns the lock with missing platform entries added; `added` lists them. */
export function addMissingPlatforms(lock: { packages: Record<string, LockEntry> }): string[] {
  const added: string[] = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
      const base = key.slice(0, key.lastIndexOf('node_modules/') + 'node_modules/'.length) || 'node_modules/';
      const depKey = `${base}${dep}`;
      const platform = platformOf(dep);
      if (!platform || lock.packages[depKey] || lock.packages[`node_modules/${dep}`]) continue;
      lock.packages[depKey] = { version, license: 'MIT', optional: true, ...platform };
      added.push(depKey);
    }
  }
  lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => a.localeCompare(b, 'en')));
  return added;
}

if (import.meta.main) {
  const files = process.argv.slice(2);
  for (const file of files.length ? files : ['package-lock.json']) {
    const lock = JSON.parse(await readFile(file, 'utf8')) as { packages: Record<string, LockEntry> };
    const added = addMissingPlatforms(lock);
    await writeFile(file, JSON.stringify(lock, null, 2) + '\n');
    process.stderr.write(`${file}: added ${added.length} platform entries${added.length ? `: ${added.join(', ')}` : ''}\n`);
  }
}
