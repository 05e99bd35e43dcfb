/**
 * `dataops system-test`: runs an image by digest on fixture inputs and checks its outputs (golden
 * comparisons and quality suites), with the settings of `image.system_test` in dataops.yml unless
 * overridden. Writes the JSON report (and optionally JUnit XML and a Markdown summary); exit code 1
 * when the checks fail under --fail-on, 2 for a configuration error (e.g. a tag-only image), 130/143
 * when stopped by SIGINT/SIGTERM (the container is stopped and removed and the report says
 * "interrupted"). The container's complete output goes to `<output-dir>-logs/`.
 */
import { access, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.ts';
import { loadProject, PROJECT_FILE, type Project } from '../../core/project.ts';
import { runnerSchema } from '../../core/image/system-test-config.ts';
import { renderJUnit } from '../../core/report/junit.ts';
import { renderSummary } from '../../core/report/summary.ts';
import { failOnSchema, writeReport } from '../../core/report/report.ts';
import { parseEnvLines, resolveSystemTestOptions } from '../../core/system-test/options.ts';
import { runSystemTest } from '../../core/system-test/run.ts';
import { action, EXIT } from '../errors.ts';
import { color, formatDuration, progress, statusLabel } from '../ui.ts';
import { cliRunner } from '../context.ts';

interface Options {
  image: string;
  project?: string;
  layoutDir?: string;
  fixtures?: string;
  expected?: string;
  outputDir?: string;
  suite: string[];
  env: string[];
  timeoutMinutes?: string;
  memoryLimit?: string;
  runner?: string;
  failOn?: string;
  storageRoot?: string;
  report?: string;
  junit?: string;
  summary?: string;
  json: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function choice<T extends string>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, value: string | undefined, flag: string, allowed: readonly string[]): T | undefined {
  if (value === undefined) return undefined;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new ConfigError(`"${value}" is not allowed`, { location: { field: flag }, fix: `Use one of: ${allowed.join(', ')}.` });
}

export function register(command: Command): void {
  command
    .requiredOption('-i, --image <ref>', 'image by digest, name@sha256:… (a tag is refused)')
    .option('-p, --project <dir|file>', `project directory or ${PROJECT_FILE} (default: . when it holds one)`)
    .option('--layout-dir <dir>', 'OCI image layout holding the image (from dataops build); else the image is pulled')
    .option('--fixtures <dir>', 'input directory, mounted read-only at /data/in (default: image.system_test.fixtures)')
    .option('--expected <dir>', 'expected outputs (default: image.system_test.expected)')
    .option('--output-dir <dir>', 'where the container writes /data/out (must be empty; default: a new temp dir)')
    .option('-s, --suite <file>', 'quality suite run on the outputs (repeatable)', collect, [])
    .option('-e, --env <KEY=VALUE>', 'container environment variable (repeatable)', collect, [])
    .option('--timeout-minutes <n>', 'stop the container after this many minutes')
    .option('--memory-limit <size>', 'container memory limit, e.g. 1g')
    .option('--runner <runner>', 'auto | docker | podman | buildah')
    .option('--fail-on <level>', 'error | warn | never')
    .option('--storage-root <dir>', 'buildah storage root')
    .option('--report <file>', 'JSON report path (default: <output-dir>/../system-test-report.json)')
    .option('--junit <file>', 'also write JUnit XML here')
    .option('--summary <file>', 'also write the Markdown summary here')
    .option('--json', 'print the JSON report on stdout', false)
    .action(
      action('system-test', async (opts: Options) => {
        let project: Project | undefined;
        if (opts.project) project = await loadProject(opts.project, { workspace: cliRunner().workspace });
        else if (
          await access(PROJECT_FILE).then(
            () => true,
            () => false,
          )
        )
          project = await loadProject('.', { workspace: cliRunner().workspace });
        const timeout = opts.timeoutMinutes === undefined ? undefined : Number(opts.timeoutMinutes);
        if (timeout !== undefined && !(timeout > 0)) throw new ConfigError(`"${opts.timeoutMinutes}" is not a positive number`, { location: { field: '--timeout-minutes' } });
        const runner = cliRunner();
        const outputDir = opts.outputDir ?? (await mkdtemp(path.join(runner.temp, 'dataops-system-test-')));
        const resolved = await resolveSystemTestOptions(project, {
          image: opts.image,
          layoutDir: opts.layoutDir,
          fixtures: opts.fixtures,
          expected: opts.expected,
          outputDir,
          suites: opts.suite,
          env: parseEnvLines(opts.env.join('\n'), '--env'),
          timeoutMinutes: timeout,
          memoryLimit: opts.memoryLimit,
          runner: choice(runnerSchema, opts.runner, '--runner', runnerSchema.options),
          failOn: choice(failOnSchema, opts.failOn, '--fail-on', failOnSchema.options),
          storageRoot: opts.storageRoot,
        });
        progress(color.bold(`dataops system-test: ${opts.image}`));
        progress(color.dim(`  fixtures ${resolved.fixturesDir} → outputs ${resolved.outputDir}`));
        // SIGINT/SIGTERM: stop and remove the container, still write the report (it says "interrupted"), exit 130/143
        const controller = new AbortController();
        const onSignal = (signal: NodeJS.Signals) => {
          if (controller.signal.aborted) process.exit(128 + (signal === 'SIGINT' ? 2 : 15)); // a second signal: leave now
          progress(color.yellow(`${signal}: stopping the container…`));
          controller.abort(signal);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        let report;
        try {
          report = await runSystemTest({ ...resolved, signal: controller.signal, engine: { tempDirectory: runner.temp, trace: runner.traceSql }, root: runner.workspace });
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
        const reportPath = path.resolve(opts.report ?? path.join(path.dirname(resolved.outputDir), `${path.basename(resolved.outputDir)}-report.json`));
        await writeReport(report, reportPath);
        if (opts.junit) await writeFile(opts.junit, renderJUnit([report]));
        if (opts.summary) await writeFile(opts.summary, renderSummary([report], { reportPath }));
        for (const c of report.checks) {
          const line = `  ${statusLabel(c.status).padEnd(14)} ${c.id.padEnd(44)} ${c.message.split('\n')[0] ?? ''}`;
          progress(line);
          if (c.status !== 'pass' && c.message.includes('\n')) for (const l of c.message.split('\n').slice(1)) progress(color.dim(`  ${' '.repeat(14)} ${l}`));
        }
        for (const e of report.errors) progress(`  ${statusLabel('error')} ${e}`);
        const { pass, total } = report.counts;
        progress(`${statusLabel(report.status)} ${pass}/${total} checks passed in ${formatDuration(report.duration_ms)} — report ${reportPath}`);
        if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        process.exitCode = controller.signal.aborted ? 128 + (controller.signal.reason === 'SIGINT' ? 2 : 15) : report.failed_step ? EXIT.failed : EXIT.ok;
      }),
    );
}
