/**
 * The data diff of two images: each image (by digest) runs on the SAME fixtures through the
 * system-test core (src/core/system-test/: read-only /data/in, /data/out, the project's container
 * env, args, timeout, memory limit and runner), without golden comparisons or output suites, and
 * their output directories are diffed file by file ({@link diffPaths}). This is how a pull request
 * shows what it changes in the data the pipeline produces: the base branch's image against the
 * pull request's. The row keys and PII columns default to those of the project's golden
 * comparisons (`image.system_test.compare[].key` / `.pii`), by output file.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Project } from '../project.ts';
import { resolveSystemTestOptions } from '../system-test/options.ts';
import { runSystemTest, type SystemTestOptions } from '../system-test/run.ts';
import type { Runner } from '../image/system-test-config.ts';
import { diffPaths, type DiffPathsOptions } from './compare.ts';
import type { DataDiff } from './diff.ts';

/** One side: an image by digest, and the OCI layout holding it (else the runner pulls it). */
export interface ImageSide {
  image: string;
  layoutDir?: string | undefined;
}

/** An image could not produce its outputs (it failed, timed out, or could not start). Not a configuration error: exit 1. */
export class ImageRunError extends Error {
  override readonly name = 'ImageRunError';
}

/** Options of {@link diffImageOutputs}. */
export interface DiffImagesOptions {
  base: ImageSide;
  head: ImageSide;
  /** Fixtures (default the project's `image.system_test.fixtures`, else `fixtures`), relative to `cwd`. */
  fixtures?: string | undefined;
  /** Working directory: `<workDir>/base` and `<workDir>/head` receive the outputs (must not hold files yet). */
  workDir: string;
  runner?: Runner | undefined;
  storageRoot?: string | undefined;
  /** Extra container environment (wins over the project's). */
  env?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
  /** How the outputs are diffed: `pii` is added to the project's; `keys` win over the project's, a global `key` replaces them. */
  diff?: DiffPathsOptions | undefined;
  cwd?: string | undefined;
}

/** What {@link diffImageOutputs} produced. */
export interface ImageDiff {
  diffs: DataDiff[];
  /** The output directories of each side. */
  outputs: { base: string; head: string };
  fixturesDir: string;
  /** The PII columns used (lower-cased). */
  pii: string[];
}

/** Row keys (by output file) and PII columns of a project's golden comparisons. */
export function diffDefaultsOf(project: Project | undefined): { keys: Record<string, string[]>; pii: string[] } {
  const compare = project?.config.image?.system_test?.compare ?? [];
  const keys: Record<string, string[]> = {};
  for (const c of compare) if (c.key !== undefined) keys[c.output] = typeof c.key === 'string' ? [c.key] : [...c.key];
  return { keys, pii: [...new Set(compare.flatMap((c) => c.pii))] };
}

/**
 * Runs `base` and then `head` on the same fixtures and diffs their outputs.
 * @throws ImageRunError when an image does not exit 0 (its stderr tail and log files named).
 * @throws ConfigError for a tag-only image, missing fixtures, a non-empty output directory or a key column missing in an output.
 */
export async function diffImageOutputs(project: Project | undefined, opts: DiffImagesOptions): Promise<ImageDiff> {
  const cwd = opts.cwd ?? process.cwd();
  const cfg = project?.config.image?.system_test;
  const fixtures = opts.fixtures !== undefined ? path.resolve(cwd, opts.fixtures) : path.resolve(project?.dir ?? cwd, cfg?.fixtures ?? 'fixtures');
  const workDir = path.resolve(cwd, opts.workDir);
  const outputs = { base: path.join(workDir, 'base'), head: path.join(workDir, 'head') };
  await mkdir(workDir, { recursive: true });
  for (const side of ['base', 'head'] as const) {
    const { image, layoutDir } = opts[side];
    // the system test's container settings; no expected outputs are read (no comparisons)
    const resolved = await resolveSystemTestOptions(project, { image, layoutDir, fixtures, expected: fixtures, outputDir: outputs[side], runner: opts.runner, storageRoot: opts.storageRoot, env: opts.env }, cwd);
    // the engine settings too: the system test opens an engine after the run (the runtime packages of a bundle)
    const run: SystemTestOptions = { ...resolved, comparisons: [], suites: [], outputs: {}, logDir: `${outputs[side]}-logs`, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.diff?.engine ? { engine: opts.diff.engine } : {}) };
    const report = await runSystemTest(run);
    const container = report.checks.find((c) => c.id === 'container_run');
    if (container?.status !== 'pass') {
      // one line: the run's message ends with the tail of the container's stderr, its lines joined
      const why = (container?.message ?? report.errors.join('; ')).trim().split(/\s*\n\s*/).join(' | ');
      throw new ImageRunError(`the ${side} image ${image} did not produce its outputs on ${fixtures}: ${why}`);
    }
  }
  const defaults = diffDefaultsOf(project);
  const pii = [...new Set([...defaults.pii, ...(opts.diff?.pii ?? [])].map((c) => c.toLowerCase()))];
  const diffs = await diffPaths(outputs.base, outputs.head, { ...opts.diff, keys: opts.diff?.key?.length ? { ...opts.diff.keys } : { ...defaults.keys, ...opts.diff?.keys }, pii: new Set(pii) });
  return { diffs, outputs, fixturesDir: fixtures, pii };
}
