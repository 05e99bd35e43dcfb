/**
 * Entry of actions/data-quality (bundled to dist/data-quality/index.js). It only prepares the
 * runtime, then loads the logic (data-quality/main.ts, a separate bundle chunk):
 *
 * - Node's compile cache, in `$RUNNER_TOOL_CACHE/dataops-compile-cache` (the OS temp dir without a
 *   tool cache), so that chunk and the DuckDB engine's JavaScript, both loaded afterwards, are
 *   compiled once per runner instead of on every start (measured: ~30 ms less CPU per start with
 *   a warm cache; writing it costs ~40 ms once, on the first run in a fresh tool cache, which
 *   then also installs the engine). It is an optimisation only: an unwritable directory or a
 *   Node without `module.enableCompileCache` runs uncached.
 * - Where the engine comes from: next to this bundle, `engine-lock.json` pins the DuckDB engine,
 *   installed on first use into the tool cache (src/core/engine/install.ts). Without the lock
 *   (running from source) the engine is the copy in node_modules.
 */
import { existsSync } from 'node:fs';
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setEngineLoader } from '../core/engine/duckdb.ts';
import { ensureEngine, loadEngine } from '../core/engine/install.ts';

try {
  module.enableCompileCache?.(path.join(process.env.RUNNER_TOOL_CACHE || os.tmpdir(), 'dataops-compile-cache'));
} catch {
  // not fatal: compiled without the cache
}

const lockFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'engine-lock.json');
if (existsSync(lockFile)) {
  // same line format as core.info (a log line on stdout); @actions/core is loaded with the logic
  const info = (line: string) => void process.stdout.write(`${line}${os.EOL}`);
  setEngineLoader(async () => {
    const engine = await ensureEngine({ lockFile, log: info });
    const t = performance.now();
    const mod = await loadEngine(engine.dir);
    info(`DuckDB engine ${engine.version}: ${engine.cached ? 'cached' : 'installed'} in ${Math.round(engine.installMs)} ms, loaded in ${Math.round(performance.now() - t)} ms (${engine.dir})`);
    return mod;
  });
}

const { run } = await import('./data-quality/main.ts');
await run();
