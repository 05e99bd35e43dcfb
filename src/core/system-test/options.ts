/**
 * Builds {@link SystemTestOptions} from `image.system_test` in dataops.yml (when there is a project)
 * and explicit overrides (action inputs, CLI flags). Shared by the action, the CLI and the flow
 * stage so the three resolve paths and defaults the same way. Without configured comparisons,
 * every data file in the expected directory is compared with the output of the same name.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { formatFromPath } from '../formats.ts';
import type { GoldenComparisonInput, Runner } from '../image/system-test-config.ts';
import type { Project } from '../project.ts';
import type { FailOn } from '../report/report.ts';
import type { SystemTestOptions } from './run.ts';

/** Values given explicitly; each wins over dataops.yml. Relative paths resolve from `cwd`. */
export interface SystemTestOverrides {
  image: string;
  layoutDir?: string | undefined;
  fixtures?: string | undefined;
  expected?: string | undefined;
  outputDir: string;
  suites?: string[] | undefined;
  env?: Record<string, string> | undefined;
  timeoutMinutes?: number | undefined;
  memoryLimit?: string | undefined;
  runner?: Runner | undefined;
  failOn?: FailOn | undefined;
  storageRoot?: string | undefined;
  samples?: number | undefined;
  now?: Date | undefined;
}

/**
 * Parses `KEY=VALUE` lines (blank lines and `#` comments skipped; the value may contain "=").
 * @throws ConfigError naming the line that is not KEY=VALUE.
 */
export function parseEnvLines(text: string, field = 'env'): Record<string, string> {
  const env: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new ConfigError(`line ${i + 1} "${line}" is not KEY=VALUE`, { location: { field }, fix: 'Write one variable per line, e.g. PIPELINE_THREADS=2.' });
    env[m[1]!] = m[2]!;
  });
  return env;
}

/** One comparison per data file directly in `expectedDir` (names made unique by extension). */
export async function defaultComparisons(expectedDir: string): Promise<GoldenComparisonInput[]> {
  let files: string[];
  try {
    files = (await readdir(expectedDir, { withFileTypes: true })).filter((d) => d.isFile() && formatFromPath(d.name) !== undefined).map((d) => d.name).sort();
  } catch {
    throw new ConfigError(`expected directory ${expectedDir} not found`, { location: { field: 'expected' }, fix: 'Create it with the outputs the pipeline should produce on the fixtures.' });
  }
  const stems = files.map((f) => f.replace(/\.[^.]+$/, ''));
  return files.map((f, i) => {
    const stem = stems[i]!;
    const clash = stems.filter((s) => s === stem).length > 1;
    const name = (clash ? f.replace(/\./g, '_') : stem).replace(/[^A-Za-z0-9_]/g, '_');
    return { output: f, name: /^[A-Za-z_]/.test(name) ? name : `_${name}` };
  });
}

/**
 * Resolves the options of a system test.
 * @throws ConfigError for an invalid `image.system_test` section or a missing expected directory.
 */
export async function resolveSystemTestOptions(project: Project | undefined, o: SystemTestOverrides, cwd = process.cwd()): Promise<SystemTestOptions> {
  const cfg = project?.config.image?.system_test;
  const base = project?.dir ?? cwd;
  const fromCwd = (p: string | undefined) => (p === undefined ? undefined : path.resolve(cwd, p));
  const fromProject = (p: string) => path.resolve(base, p);
  const fixturesDir = fromCwd(o.fixtures) ?? fromProject(cfg?.fixtures ?? 'fixtures');
  const expectedDir = fromCwd(o.expected) ?? fromProject(cfg?.expected ?? 'expected');
  const configured = cfg?.compare ?? [];
  const comparisons = configured.length ? configured : await defaultComparisons(expectedDir);
  const suites = o.suites?.length ? o.suites.map((s) => path.resolve(cwd, s)) : (cfg?.suites ?? []).map(fromProject);
  const timeoutMinutes = o.timeoutMinutes ?? cfg?.timeout_minutes ?? 10;
  const memoryLimit = o.memoryLimit ?? cfg?.memory_limit;
  const layoutDir = fromCwd(o.layoutDir);
  const failOn = o.failOn ?? cfg?.fail_on;
  return {
    image: o.image,
    ...(layoutDir ? { layoutDir } : {}),
    fixturesDir,
    expectedDir,
    outputDir: path.resolve(cwd, o.outputDir),
    comparisons,
    suites,
    outputs: cfg?.outputs ?? {},
    ...(project ? { projectDatasets: project.config.datasets, projectDir: project.dir, configFile: path.relative(cwd, project.file) || project.file } : {}),
    env: { ...cfg?.env, ...o.env },
    args: cfg?.args ?? [],
    timeoutMs: timeoutMinutes * 60_000,
    ...(memoryLimit ? { memoryLimit } : {}),
    runner: o.runner ?? cfg?.runner ?? 'auto',
    ...(o.storageRoot ? { storageRoot: o.storageRoot } : {}),
    ...(failOn ? { failOn } : {}),
    ...(o.samples !== undefined ? { samples: o.samples } : {}),
    ...(o.now ? { now: o.now } : {}),
    ...(project && cfg
      ? {
          lines: {
            run: project.lineOf(['image', 'system_test']),
            compare: configured.map((_c, i) => project.lineOf(['image', 'system_test', 'compare', i])),
          },
        }
      : {}),
  };
}
