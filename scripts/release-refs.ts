/**
 * The release step of internal references. Our reusable workflows, the root action and the
 * starters call our own actions and workflows as `dataops-actions/dataops-actions/<path>@vX.Y.Z`
 * (a file cannot name the SHA of the commit that contains it; docs/workflows.md, "Pinning"), so
 * the commit that is tagged `vX.Y.Z` must name `vX.Y.Z` everywhere: then a caller pinning that
 * commit (by SHA) runs exactly that commit's siblings.
 *
 * Usage:
 *   node scripts/release-refs.ts            rewrite every internal ref to v<package.json version>
 *   node scripts/release-refs.ts --check    exit 1 listing every ref that does not match (CI)
 *   node scripts/release-refs.ts --root DIR  another checkout
 * Files: .github/workflows/*.yml, workflows/*.yml, action.yml, actions/* /action.yml, README.md,
 * docs/*.md and templates/** (yml, yaml, md). Refs by SHA keep their SHA; a `# vX.Y.Z` comment
 * after one is rewritten like a tag.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** `dataops-actions/dataops-actions[/path]@vX.Y.Z`, or `…@<sha> # vX.Y.Z` (group 2 is the version). */
const REF = /(dataops-actions\/dataops-actions(?:\/[\w./-]*)?@(?:[0-9a-f]{40}|<[^>\s]+>) # |dataops-actions\/dataops-actions(?:\/[\w./-]*)?@)(v\d+\.\d+\.\d+(?:-[\w.]+)?)\b/g;

/** One internal reference whose version is not the release's. */
export interface StaleRef {
  file: string;
  line: number;
  found: string;
}

/** Files holding internal references under `root` (relative paths, sorted). */
export async function refFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const list = async (dir: string, test: (name: string) => boolean, recursive = false) => {
    let entries;
    try {
      entries = await readdir(path.join(root, dir), { withFileTypes: true, recursive });
    } catch {
      return;
    }
    for (const e of entries) if (e.isFile() && test(e.name)) out.push(path.relative(root, path.join(e.parentPath, e.name)));
  };
  const yml = (n: string) => /\.ya?ml$/.test(n);
  await list('.github/workflows', yml);
  await list('workflows', yml);
  await list('actions', (n) => n === 'action.yml', true);
  await list('docs', (n) => n.endsWith('.md'));
  await list('templates', (n) => yml(n) || n.endsWith('.md'), true);
  for (const f of ['action.yml', 'README.md']) await list('.', (n) => n === f);
  return [...new Set(out)].filter((f) => !f.split(path.sep).includes('node_modules')).sort();
}

/** `text` with every internal reference set to `version` (`vX.Y.Z`), and the stale ones found. */
export function rewriteRefs(text: string, version: string, file = ''): { text: string; stale: StaleRef[] } {
  const stale: StaleRef[] = [];
  const out = text.replace(REF, (whole, prefix: string, found: string, offset: number) => {
    if (found === version) return whole;
    stale.push({ file, line: text.slice(0, offset).split('\n').length, found: whole });
    return `${prefix}${version}`;
  });
  return { text: out, stale };
}

/** The release version of the checkout at `root`: `v` + package.json's version. */
export async function releaseVersion(root: string): Promise<string> {
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version?: string };
  if (!pkg.version) throw new Error(`${path.join(root, 'package.json')}: no "version"`);
  return `v${pkg.version}`;
}

/** Checks (or with `write`, rewrites) every internal reference under `root`. Returns the stale ones. */
export async function releaseRefs(root: string, options: { write?: boolean; version?: string } = {}): Promise<StaleRef[]> {
  const version = options.version ?? (await releaseVersion(root));
  const stale: StaleRef[] = [];
  for (const file of await refFiles(root)) {
    const abs = path.join(root, file);
    const before = await readFile(abs, 'utf8');
    const r = rewriteRefs(before, version, file);
    stale.push(...r.stale);
    if (options.write && r.text !== before) await writeFile(abs, r.text);
  }
  return stale;
}

async function main(argv: string[]): Promise<number> {
  const check = argv.includes('--check');
  const at = argv.indexOf('--root');
  const root = path.resolve(at >= 0 ? (argv[at + 1] ?? '.') : '.');
  const version = await releaseVersion(root);
  const stale = await releaseRefs(root, { write: !check, version });
  if (check) {
    for (const s of stale) process.stderr.write(`${s.file}:${s.line}: ${s.found} is not ${version} (package.json); run: node scripts/release-refs.ts\n`);
    if (stale.length === 0) process.stdout.write(`every internal reference names ${version}\n`);
    return stale.length ? 1 : 0;
  }
  process.stdout.write(stale.length ? `rewrote ${stale.length} reference(s) to ${version}\n` : `every internal reference already names ${version}\n`);
  return 0;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`release-refs: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
