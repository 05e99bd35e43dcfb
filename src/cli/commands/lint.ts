/** `dataops lint [path]`: lints workflows, action metadata, project files, suites and (when installed) Dockerfiles, SQL, Python and shell. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.ts';
import { failsAt, lintPath, renderText, toSarif, type LintFailOn, type Persona } from '../../core/lint/index.ts';
import { PERSONAS } from '../../core/lint/config.ts';
import { action, EXIT } from '../errors.ts';
import { progress } from '../ui.ts';

interface LintCliOptions {
  sarif?: string;
  format: string;
  failOn: string;
  disable?: string[];
  exclude?: string[];
  external: boolean;
  persona?: string;
}

export function register(command: Command): void {
  command
    .argument('[path]', 'directory or file to lint', '.')
    .option('--sarif <file>', 'also write a SARIF 2.1.0 file (for code scanning)')
    .option('--format <format>', 'text or json', 'text')
    .option('--fail-on <level>', 'error, warning or never', 'error')
    .option('--disable <rule...>', 'rule ids or families to turn off (e.g. missing-timeout actionlint)')
    .option('--exclude <glob...>', 'extra globs to leave out')
    .option('--persona <persona>', 'regular, pedantic or auditor (default: lint.persona of dataops.yml, else regular)')
    .option('--no-external', 'do not run hadolint, sqlfluff, ruff or shellcheck even if installed')
    .action(
      action('lint', async (target: string, opts: LintCliOptions) => {
        if (!['text', 'json'].includes(opts.format)) throw new ConfigError(`unknown format "${opts.format}"`, { location: { field: '--format' }, fix: 'Use text or json.' });
        if (!['error', 'warning', 'never'].includes(opts.failOn)) throw new ConfigError(`unknown level "${opts.failOn}"`, { location: { field: '--fail-on' }, fix: 'Use error, warning or never.' });
        if (opts.persona !== undefined && !(PERSONAS as readonly string[]).includes(opts.persona)) throw new ConfigError(`unknown persona "${opts.persona}"`, { location: { field: '--persona' }, fix: 'Use regular, pedantic or auditor.' });
        const report = await lintPath(target, { disable: opts.disable, exclude: opts.exclude, external: opts.external, persona: opts.persona as Persona | undefined });
        if (opts.sarif) {
          await mkdir(path.dirname(path.resolve(opts.sarif)), { recursive: true });
          await writeFile(opts.sarif, JSON.stringify(toSarif(report), null, 2) + '\n');
          progress(`SARIF written to ${opts.sarif}`);
        }
        if (opts.format === 'json') process.stdout.write(JSON.stringify({ findings: report.findings, skipped: report.skipped, ran: report.ran, files: report.files }, null, 2) + '\n');
        else process.stdout.write(renderText(report));
        if (failsAt(report.findings, opts.failOn as LintFailOn)) process.exitCode = EXIT.failed;
      }),
    );
}
