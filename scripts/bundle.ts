/**
 * Bundles each action entry (build/actions/<name>.js, compiled by `npm run build`) into
 * dist/<name>/index.js with @vercel/ncc: one ESM bundle per action, licenses alongside.
 * The DuckDB native engine stays external (installed on first use, see src/core/engine/install.ts),
 * and its pinned versions and integrity hashes are copied from package-lock.json into
 * dist/<name>/engine-lock.json so the action can verify what it installs.
 *
 * Usage: node scripts/bundle.ts [--build-dir build] [--out dist] [action ...]
 */
import { parseArgs } from 'node:util';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { engineLockFrom, type PackageLock } from '../src/core/engine/install.ts';

const require = createRequire(import.meta.url);
const ncc = require('@vercel/ncc') as (input: string, opts: Record<string, unknown>) => Promise<{ code: string; assets: Record<string, { source: Buffer | string }> }>;

const root = path.resolve(import.meta.dirname, '..');
/** Packages left out of bundles: native code, installed at run time into the tool cache. */
export const EXTERNALS = ['@duckdb/node-api', '@duckdb/node-bindings'];

async function engineLock(): Promise<object> {
  return engineLockFrom(JSON.parse(await readFile(path.join(root, 'package-lock.json'), 'utf8')) as PackageLock);
}

const { values: args, positionals: wanted } = parseArgs({ options: { 'build-dir': { type: 'string', default: 'build' }, out: { type: 'string', default: 'dist' } }, allowPositionals: true });
const actionsDir = path.resolve(root, args['build-dir'], 'actions');
const distDir = path.resolve(root, args.out);
const names = (await readdir(actionsDir)).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3)).filter((n) => wanted.length === 0 || wanted.includes(n));
const lock = await engineLock();
for (const name of names.sort()) {
  const out = path.join(distDir, name);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const { code, assets } = await ncc(path.join(actionsDir, `${name}.js`), { externals: EXTERNALS, minify: true, sourceMap: false, license: 'licenses.txt', quiet: true, target: 'es2023' });
  await writeFile(path.join(out, 'index.js'), code);
  for (const [file, asset] of Object.entries(assets)) {
    await mkdir(path.dirname(path.join(out, file)), { recursive: true });
    await writeFile(path.join(out, file), asset.source);
  }
  if (code.includes('@duckdb/node-api')) await writeFile(path.join(out, 'engine-lock.json'), JSON.stringify(lock, null, 2) + '\n');
  process.stderr.write(`bundled ${path.relative(root, out)}/index.js (${(Buffer.byteLength(code) / 1024).toFixed(0)} KiB)\n`);
}
