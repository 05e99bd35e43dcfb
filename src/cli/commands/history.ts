/**
 * `dataops history list|prune`: the quality history's recorded runs (history/), from the store
 * named by `--history` or the project's `quality.history`.
 * `list` prints one line per run, newest first (`--json` for the runs themselves); `prune` removes
 * runs older than `--before` and/or beyond the newest `--keep` of each branch and suite (on the git
 * store: one commit, pushed). Exit codes: 0 done, 2 configuration error.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.ts';
import { openHistoryStore, parseHistorySpec, specOfConfig, type HistorySpec } from '../../core/history/open.ts';
import type { HistoryFilter, HistoryStore } from '../../core/history/record.ts';
import { loadProject, PROJECT_FILE } from '../../core/project.ts';
import { action } from '../errors.ts';
import { cliRunner } from '../context.ts';
import { color, progress } from '../ui.ts';

interface Common {
  history?: string;
  project?: string;
  repository?: string;
  branch?: string;
  suite?: string;
}

/** The store of `--history`, else of the project's quality.history, else the default local directory. */
async function storeOf(opts: Common): Promise<HistoryStore> {
  const runner = cliRunner();
  let spec: HistorySpec | undefined;
  if (opts.history) spec = parseHistorySpec(opts.history);
  else if (opts.project || existsSync(PROJECT_FILE)) {
    const project = await loadProject(opts.project ?? '.', { workspace: runner.workspace });
    const h = project.config.quality?.history;
    if (h) spec = specOfConfig(h, project.dir);
  }
  return openHistoryStore(spec ?? { kind: 'local', dir: '.dataops/history' }, { cwd: process.cwd(), token: runner.github.token, tempDirectory: runner.temp, log: (m) => progress(color.dim(m)) });
}

function filterOf(opts: Common): HistoryFilter {
  return { repository: opts.repository, branch: opts.branch, suite: opts.suite };
}

const common = (c: Command) =>
  c
    .option('--history <store>', 'a directory (Parquet files), "git" or "git:<branch>" (default: quality.history of dataops.yml, else .dataops/history)')
    .option('-p, --project <dir>', `project directory or ${PROJECT_FILE} whose quality.history to use`)
    .option('--repository <owner/name>', 'only runs of this repository')
    .option('--branch <name>', 'only runs of this branch')
    .option('--suite <name>', 'only runs of this suite');

export function register(command: Command): void {
  common(command.command('list').description('List recorded runs, newest first'))
    .option('-n, --limit <n>', 'at most this many runs', '50')
    .option('--json', 'print the runs as JSON')
    .action(
      action('history list', async (opts: Common & { limit: string; json?: boolean }) => {
        if (!/^\d+$/.test(opts.limit)) throw new ConfigError(`invalid value "${opts.limit}"`, { location: { field: '--limit' }, fix: 'Use a whole number.' });
        const store = await storeOf(opts);
        try {
          const runs = (await store.list(filterOf(opts))).slice(0, Number(opts.limit));
          if (opts.json) {
            process.stdout.write(JSON.stringify(runs, null, 2) + '\n');
            return;
          }
          progress(color.dim(`${store.location}: ${runs.length} run${runs.length === 1 ? '' : 's'}`));
          for (const r of runs) {
            const bad = r.checks.filter((c) => c.status === 'fail' || c.status === 'error').length;
            const rows = r.metrics.filter((m) => m.name === 'row_count').map((m) => `${m.dataset} ${m.value}`).join(', ');
            process.stdout.write(`${r.run_at}  ${r.repository}  ${r.branch}@${r.commit.slice(0, 7)}  ${r.suite}  ${r.checks.length} checks, ${bad} failing${rows ? `  rows: ${rows}` : ''}\n`);
          }
        } finally {
          await store.close();
        }
      }),
    );
  common(command.command('prune').description('Remove runs older than --before and/or beyond the newest --keep of each branch and suite'))
    .option('--before <iso>', 'remove runs before this time (ISO 8601, e.g. 2026-01-01)')
    .option('--keep <n>', 'keep the newest N runs of each repository, branch and suite')
    .action(
      action('history prune', async (opts: Common & { before?: string; keep?: string }) => {
        if (opts.before === undefined && opts.keep === undefined) throw new ConfigError('nothing to prune by', { location: { field: '--before' }, fix: 'Give --before <date>, --keep <n>, or both.' });
        const before = opts.before !== undefined ? new Date(opts.before) : undefined;
        if (before && Number.isNaN(before.getTime())) throw new ConfigError(`invalid date "${opts.before}"`, { location: { field: '--before' }, fix: 'Use ISO 8601, e.g. 2026-01-01.' });
        if (opts.keep !== undefined && !/^\d+$/.test(opts.keep)) throw new ConfigError(`invalid value "${opts.keep}"`, { location: { field: '--keep' }, fix: 'Use a whole number.' });
        const store = await storeOf(opts);
        try {
          const n = await store.prune({ ...filterOf(opts), before, keep: opts.keep !== undefined ? Number(opts.keep) : undefined });
          process.stdout.write(`${store.location}: pruned ${n} run${n === 1 ? '' : 's'}\n`);
        } finally {
          await store.close();
        }
      }),
    );
}
