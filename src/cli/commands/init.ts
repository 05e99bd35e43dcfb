/**
 * `dataops init [dir] [--dataset <file>...] [--pipeline node|none]`: scaffold a project that passes
 * the whole local flow unchanged; `dataops init --check [dir]` tells what each stage still lacks.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.ts';
import { initProject } from '../../core/init/index.ts';
import { checkProject } from '../../core/init/check.ts';
import { PIPELINE_LANGUAGES, type PipelineLanguage } from '../../core/init/scaffold.ts';
import { action, EXIT } from '../errors.ts';
import { color } from '../ui.ts';
import { cliRunner } from '../context.ts';
import { cliGitHubApi } from '../github.ts';

interface InitCliOptions {
  dataset?: string[];
  name?: string;
  branch: string;
  nullTolerance: string;
  pipeline: string;
  workflow: boolean;
  dockerfile: boolean;
  check: boolean;
}

/** `dir` as the user would type it again from where they ran the command. */
const shown = (dir: string) => path.relative(process.cwd(), path.resolve(dir)) || '.';

export function register(command: Command): void {
  command
    .argument('[dir]', 'project directory', '.')
    .option('--dataset <file...>', 'data files to profile (csv, tsv, parquet, json, ndjson); default: the data files in <dir> and one level below')
    .option('--pipeline <language>', `pipeline to scaffold: ${PIPELINE_LANGUAGES.join(', ')}, or none (dataops.yml and suites only)`, 'node')
    .option('--name <name>', 'pipeline name (default: the directory name)')
    .option('--branch <branch>', 'default branch for the starter workflows and the promotion policy', 'main')
    .option('--null-tolerance <ratio>', 'also propose not_null for columns with at most this null ratio (0..1)', '0')
    .option('--no-workflow', 'do not write .github/workflows/dataops-ci.yml and dataops-cd.yml')
    .option('--no-dockerfile', 'do not write a Dockerfile')
    .option('--check', 'write nothing: tell what each stage of "dataops flow" still lacks (exit 1 when something does)', false)
    .action(
      action('init', async (dir: string, opts: InitCliOptions) => {
        if (opts.check) {
          const stages = await checkProject(dir, { workspace: cliRunner().workspace });
          for (const s of stages) {
            process.stdout.write(`${s.ready ? color.green('ready  ') : color.yellow('missing')} ${s.stage}${s.ready ? '' : `: ${s.missing.join('; ')}`}\n`);
          }
          const lacking = stages.filter((s) => !s.ready).length;
          process.stdout.write(lacking ? `\n${lacking} of ${stages.length} stages lack something.\n` : `\nEvery stage has what it needs: dataops flow --project ${shown(dir)}\n`);
          if (lacking) process.exitCode = EXIT.failed;
          return;
        }
        const tolerance = Number(opts.nullTolerance);
        if (!(tolerance >= 0 && tolerance <= 1)) throw new ConfigError(`"${opts.nullTolerance}" is not a ratio`, { location: { field: '--null-tolerance' }, fix: 'Pass a number between 0 and 1, e.g. 0.01.' });
        if (opts.pipeline !== 'none' && !(PIPELINE_LANGUAGES as readonly string[]).includes(opts.pipeline)) throw new ConfigError(`no pipeline template for "${opts.pipeline}"`, { location: { field: '--pipeline' }, fix: `Use ${PIPELINE_LANGUAGES.join(', ')} or none.` });
        const result = await initProject(dir, {
          datasets: opts.dataset ?? [],
          name: opts.name,
          branch: opts.branch,
          nullTolerance: tolerance,
          pipeline: opts.pipeline as PipelineLanguage | 'none',
          workflow: opts.workflow,
          dockerfile: opts.dockerfile,
          runner: cliRunner(),
          api: cliGitHubApi(),
        });
        for (const d of result.datasets) process.stdout.write(`profiled ${shown(d.file)}: ${d.rows} rows, ${d.columns} columns → ${d.checks} checks in ${d.suite}\n`);
        for (const f of result.created) process.stdout.write(`${color.green('created')} ${f}\n`);
        for (const f of result.updated) process.stdout.write(`${color.green('updated')} ${f}\n`);
        for (const f of result.kept) process.stdout.write(`${color.yellow('kept')}    ${f} (exists, not overwritten)\n`);
        if (result.pinned) process.stdout.write(`promotion policy pinned to ${result.pinned.repository} (repository id ${result.pinned.repository_id}, owner id ${result.pinned.repository_owner_id})\n`);
        for (const n of result.notes) process.stdout.write(`${color.yellow('note')}    ${n}\n`);
        const p = shown(dir);
        process.stdout.write(`\nNext: review the proposed checks in quality/, then "dataops init --check ${p}" and "dataops flow --project ${p}".\n`);
      }),
    );
}
