/**
 * Runner glue shared by the actions that report in the data-quality family (data-quality,
 * system-test, verify): paths for annotations, emitting annotations within GitHub's display
 * limits, and the DuckDB engine installed on first use when running from a bundle.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as core from '@actions/core';
import { setEngineLoader } from '../../core/engine/duckdb.ts';
import { ensureEngine, loadEngine } from '../../core/engine/install.ts';
import { limitAnnotations, type Annotation } from '../../core/quality/annotations.ts';

/** Path as GitHub wants it in annotations: relative to `GITHUB_WORKSPACE` (or the cwd), forward slashes. */
export function repoPath(file: string): string {
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const rel = path.relative(workspace, path.resolve(file));
  return (rel.startsWith('..') || path.isAbsolute(rel) ? file : rel).split(path.sep).join('/');
}

/**
 * Emits annotations as workflow commands (`::error file=…,line=…::`), at most 10 per level plus
 * one notice summarising the rest: GitHub shows no more than 10 per level per step.
 */
export function emitAnnotations(annotations: Annotation[]): void {
  for (const a of limitAnnotations(annotations)) {
    const props = { title: a.title, ...(a.file ? { file: a.file } : {}), ...(a.line ? { startLine: a.line } : {}) };
    if (a.level === 'error') core.error(a.message, props);
    else if (a.level === 'warning') core.warning(a.message, props);
    else core.notice(a.message, props);
  }
}

/**
 * When this code runs from a bundle with `engine-lock.json` beside it, the DuckDB engine is the
 * pinned one installed into the tool cache on first use (src/core/engine/install.ts); from source
 * it stays the copy in node_modules. `moduleUrl` is the caller's `import.meta.url`.
 */
export function useBundledEngine(moduleUrl: string): void {
  const lockFile = path.join(path.dirname(fileURLToPath(moduleUrl)), 'engine-lock.json');
  if (!existsSync(lockFile)) return;
  setEngineLoader(async () => {
    const engine = await ensureEngine({ lockFile, log: (l) => core.info(l) });
    core.info(`DuckDB engine ${engine.version}: ${engine.cached ? 'cached' : 'installed'} (${engine.dir})`);
    return loadEngine(engine.dir);
  });
}
