/** `dataops init [dir] --dataset <file>...`: scaffold dataops.yml, profiled quality suites, a Dockerfile and the CI workflow. */
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.ts';
import { initProject } from '../../core/init/index.ts';
import { action } from '../errors.ts';
import { color } from '../ui.ts';
import { cliGitHubApi, cliRunner } from '../context.ts';

interface InitCliOptions {
  dataset?: string[];
  name?: string;
  branch: string;
  nullTolerance: string;
  workflow: boolean;
  dockerfile: boolean;
}

export function register(command: Command): void {
  command
    .argument('[dir]', 'project directory', '.')
    .requiredOption('--dataset <file...>', 'data files to profile (csv, tsv, parquet, json, ndjson)')
    .option('--name <name>', 'pipeline name (default: the directory name)')
    .option('--branch <branch>', 'default branch for the CI workflow', 'main')
    .option('--null-tolerance <ratio>', 'also propose not_null for columns with at most this null ratio (0..1)', '0')
    .option('--no-workflow', 'do not write .github/workflows/dataops-ci.yml')
    .option('--no-dockerfile', 'do not write a Dockerfile')
    .action(
      action('init', async (dir: string, opts: InitCliOptions) => {
        const tolerance = Number(opts.nullTolerance);
        if (!(tolerance >= 0 && tolerance <= 1)) throw new ConfigError(`"${opts.nullTolerance}" is not a ratio`, { location: { field: '--null-tolerance' }, fix: 'Pass a number between 0 and 1, e.g. 0.01.' });
        const result = await initProject(dir, { datasets: opts.dataset ?? [], name: opts.name, branch: opts.branch, nullTolerance: tolerance, workflow: opts.workflow, dockerfile: opts.dockerfile, runner: cliRunner(), api: cliGitHubApi() });
        for (const d of result.datasets) process.stdout.write(`profiled ${d.file}: ${d.rows} rows, ${d.columns} columns → ${d.checks} checks in ${d.suite}\n`);
        for (const f of result.created) process.stdout.write(`${color.green('created')} ${f}\n`);
        for (const f of result.kept) process.stdout.write(`${color.yellow('kept')}    ${f} (exists, not overwritten)\n`);
        if (result.pinned) process.stdout.write(`promotion policy pinned to ${result.pinned.repository} (repository id ${result.pinned.repository_id}, owner id ${result.pinned.repository_owner_id})\n`);
        for (const n of result.notes) process.stdout.write(`${color.yellow('note')}    ${n}\n`);
        const suites = result.datasets.map((d) => path.join(dir, d.suite)).join(' ');
        process.stdout.write(`\nNext: review the proposed checks, then run "dataops quality --project ${dir} --suite ${suites}" and "dataops lint ${dir}".\n`);
      }),
    );
}
