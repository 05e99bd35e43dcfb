/**
 * The example pipeline (templates/example-pipeline) as a consuming repository would hold it, for
 * the workflow harness: its files in a new git repository, the starter workflows of workflows/
 * installed under .github/workflows/ as GitHub's "New workflow" page installs them, and the edits
 * a user makes to adopt it (each one named by the test that makes it).
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { commitAll, initConsumerRepo, type ConsumerRepo } from './workflow-harness.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
export const EXAMPLE_DIR = path.join(repoRoot, 'templates/example-pipeline');
/** The starter workflows (workflows/*.yml). */
export const STARTERS = ['dataops-ci.yml', 'dataops-cd.yml', 'dataops-promote-dispatch.yml'] as const;

/** Options of {@link exampleRepo}. */
export interface ExampleRepoOptions {
  fullName?: string;
  /** Starters installed (default all three). */
  starters?: readonly string[];
  /**
   * Commit the example's datasets into the repository (`data/`) and point dataops.yml at them:
   * the example reads them as `npm:vega-datasets/…`, which resolves only inside this toolkit's
   * checkout (its devDependency), not in a repository of its own.
   */
  vendorDatasets?: boolean;
  /** Edit dataops.yml (parsed; comments are not kept). */
  project?: (config: Record<string, unknown>) => void;
  /** Edit an installed starter's text (by file name). */
  starterEdits?: Record<string, (text: string) => string>;
}

/** Creates the consumer repository at `dir` with one commit on `main`. */
export async function exampleRepo(dir: string, options: ExampleRepoOptions = {}): Promise<ConsumerRepo> {
  const repo = await initConsumerRepo(dir, options.fullName ?? 'octo/flights-routes');
  await cp(EXAMPLE_DIR, dir, { recursive: true, filter: (p) => !/[/\\](node_modules|\.dataops|out)$/.test(p) });
  await writeFile(path.join(dir, '.gitignore'), 'node_modules/\n.dataops/\nout/\n');
  await mkdir(path.join(dir, '.github/workflows'), { recursive: true });
  for (const starter of options.starters ?? STARTERS) {
    let text = await readFile(path.join(repoRoot, 'workflows', starter), 'utf8');
    const edit = options.starterEdits?.[starter];
    if (edit) text = edit(text);
    await writeFile(path.join(dir, '.github/workflows', starter), text);
  }
  if (options.vendorDatasets || options.project) {
    const file = path.join(dir, 'dataops.yml');
    const config = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    if (options.vendorDatasets) {
      await mkdir(path.join(dir, 'data'), { recursive: true });
      for (const dataset of Object.values(config.datasets as Record<string, { path: string }>)) {
        const rel = dataset.path.replace(/^npm:vega-datasets\/data\//, '');
        await cp(path.join(repoRoot, 'node_modules/vega-datasets/data', rel), path.join(dir, 'data', rel));
        dataset.path = `data/${rel}`;
      }
    }
    options.project?.(config);
    await writeFile(file, stringify(config));
  }
  commitAll(repo, 'flights-routes: the example pipeline with the dataops starter workflows');
  return repo;
}
