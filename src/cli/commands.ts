/**
 * The commands of the `dataops` CLI: name, one-line summary and the module that registers it.
 * main.ts loads only the module of the command being run, so `dataops --help` and `dataops <cmd>`
 * start without loading the others (nor the core they import).
 */
import type { Command } from 'commander';

/** A command: its module exports `register(command)`, which adds the options and the action to the named command. */
export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<{ register: (command: Command) => void }>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'flow', summary: 'Run the whole DataOps flow on a project: lint → quality → build → system test → push → deploy staging → verify → promote', load: () => import('./commands/flow.ts') },
  { name: 'lint', summary: 'Lint workflows, action.yml files, dataops.yml and suites (and Dockerfiles, SQL, Python, shell when their linters are installed).', load: () => import('./commands/lint.ts') },
  { name: 'quality', summary: 'Run data-quality suites (YAML) on local data files with DuckDB.', load: () => import('./commands/quality.ts') },
  { name: 'history', summary: 'List or prune the quality history (recorded suite runs: checks, dataset profiles, schemas).', load: () => import('./commands/history.ts') },
  { name: 'build', summary: 'Build the pipeline image (docker buildx or daemonless buildah) into an OCI layout and print name@sha256:…', load: () => import('./commands/build.ts') },
  { name: 'system-test', summary: 'Run an image BY DIGEST on fixture inputs and check its outputs against expected/ and output suites', load: () => import('./commands/system-test.ts') },
  { name: 'push', summary: 'Push an image by digest to registries (from an OCI layout or another registry), verify it, then tag it', load: () => import('./commands/push.ts') },
  { name: 'deploy', summary: 'Deploy an image BY DIGEST to an environment (GitOps, Kubernetes, Cloud Run or command), or roll it back', load: () => import('./commands/deploy.ts') },
  { name: 'verify', summary: 'Smoke-test an image BY DIGEST in an environment and hold it to the performance budget of dataops.yml', load: () => import('./commands/verify.ts') },
  { name: 'promote', summary: 'Verify a signed promotion message and deploy the same digest to production (asks for confirmation; --approve for scripts)', load: () => import('./commands/promote.ts') },
  { name: 'data', summary: 'Data versions and diffs: show the data manifests attached to an image digest; diff two data files, output directories or manifests.', load: () => import('./commands/data.ts') },
  { name: 'lineage', summary: 'Draw the lineage of the last flow run (its OpenLineage events) as a Mermaid diagram: datasets → pipeline image → outputs, with versions and verdicts.', load: () => import('./commands/lineage.ts') },
  { name: 'init', summary: 'Scaffold a DataOps project: dataops.yml, quality suites proposed from profiling your datasets, a Dockerfile if absent, and the CI workflow. Never overwrites files.', load: () => import('./commands/init.ts') },
];
