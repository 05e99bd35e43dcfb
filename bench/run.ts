/**
 * `npm run bench`: runs every bench module in bench/ (each `bench/<name>.ts` that exports
 * `run()`), one after the other, in file-name order. `node bench/run.ts quality push` runs only the
 * named ones. A module that throws is reported and the others still run; the exit code is 1 then.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = (await readdir(dir)).filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.d.ts')).sort();
let failed = false;
for (const f of files) {
  const name = f.replace(/\.ts$/, '');
  if (only.length && !only.includes(name)) continue;
  const mod = (await import(pathToFileURL(path.join(dir, f)).href)) as { run?: () => Promise<unknown> };
  if (typeof mod.run !== 'function') continue;
  console.log(`\n# bench ${name}`);
  const t = performance.now();
  try {
    await mod.run();
    console.log(`(bench ${name}: ${((performance.now() - t) / 1000).toFixed(1)} s)`);
  } catch (err) {
    failed = true;
    console.error(`bench ${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}
process.exitCode = failed ? 1 : 0;
