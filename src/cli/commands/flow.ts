/** `dataops flow`: runs every stage of the DataOps flow on a project, with progress and a final summary. */
import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { FlowLineage } from '../../core/lineage/flow.ts';
import { lineageMarkdown } from '../../core/lineage/mermaid.ts';
import { consoleTransport, fileTransport, httpTransport, LineageSender } from '../../core/lineage/transport.ts';
import path from 'node:path';
import type { Command } from 'commander';
import { loadProject } from '../../core/project.ts';
import { runFlow } from '../../core/flow/runner.ts';
import { FLOW_STAGES, selectStages } from '../../core/flow/stages/index.ts';
import { action, EXIT } from '../errors.ts';
import { color, confirm, formatDuration, progress, statusLabel } from '../ui.ts';
import { cliRunner } from '../context.ts';
import { cliGitHub } from '../github.ts';

export function register(command: Command): void {
  command
    .option('-p, --project <dir|file>', 'project directory or dataops.yml', '.')
    .option('--only <stages>', 'comma-separated stage names to run (others are skipped)')
    .option('--work-dir <dir>', 'scratch directory for reports and artifacts (default <project>/.dataops/run)')
    .option('--now <iso>', 'clock for freshness and expiry checks (ISO 8601)')
    .option('--approve', 'approve the production gate without asking', false)
    .option('--lineage-file <path>', 'OpenLineage events as NDJSON (default <work-dir>/lineage.ndjson)')
    .option('--lineage-url <url>', 'also POST OpenLineage events to this endpoint (default $OPENLINEAGE_URL; API key from $OPENLINEAGE_API_KEY)')
    .option('--lineage-console', 'also print OpenLineage events on stderr', false)
    .action(
      action('flow', async (opts: { project: string; only?: string; workDir?: string; now?: string; approve: boolean; lineageFile?: string; lineageUrl?: string; lineageConsole: boolean }) => {
        const project = await loadProject(opts.project, { workspace: cliRunner().workspace });
        const workDir = path.resolve(opts.workDir ?? path.join(project.dir, '.dataops', 'run'));
        await mkdir(workDir, { recursive: true });
        const stages = opts.only !== undefined ? selectStages(opts.only, '--only') : [...FLOW_STAGES];
        progress(color.bold(`dataops flow: ${project.config.name} (${stages.length} stages)`));
        const env = cliRunner().env;
        const lineageFile = path.resolve(opts.lineageFile ?? path.join(workDir, 'lineage.ndjson'));
        await rm(lineageFile, { force: true });
        const url = opts.lineageUrl ?? env.OPENLINEAGE_URL;
        const transports = [fileTransport(lineageFile), ...(url ? [httpTransport({ url, apiKey: env.OPENLINEAGE_API_KEY })] : []), ...(opts.lineageConsole ? [consoleTransport()] : [])];
        const lineage = new FlowLineage({
          namespace: env.OPENLINEAGE_NAMESPACE ?? 'dataops',
          project: project.config.name,
          sender: new LineageSender(transports, (line) => progress(color.yellow(`      ${line}`))),
          engine: { tempDirectory: path.join(workDir, 'tmp') },
        });
        const outcome = await runFlow(
          lineage.wrap(stages),
          { project, runner: cliRunner(), github: cliGitHub(), workDir, now: opts.now ? new Date(opts.now) : new Date(), approve: opts.approve, interactive: Boolean(process.stdin.isTTY), confirm, state: {} },
          {
            stageStart: (stage, i, total) => progress(`${color.blue(`[${i + 1}/${total}]`)} ${color.bold(stage.name)} — ${stage.title}`),
            stageLog: (_stage, m) => progress(`      ${color.dim(m)}`),
            stageEnd: (_stage, r, ms) => progress(`      ${statusLabel(r.status)} ${r.summary} ${color.dim(`(${formatDuration(ms)})`)}`),
          },
        );
        await lineage.finish(outcome.ok);
        const picture = lineageMarkdown(lineage.events);
        await writeFile(path.join(workDir, 'lineage.md'), picture);
        const stepSummary = env.GITHUB_STEP_SUMMARY;
        if (stepSummary) await appendFile(stepSummary, picture);
        progress('');
        progress(color.dim(`lineage: ${lineage.events.length} OpenLineage events in ${path.relative(process.cwd(), lineageFile) || lineageFile}${url ? ` and to ${url}` : ''}; picture in ${path.relative(process.cwd(), path.join(workDir, 'lineage.md'))}`));
        progress('');
        progress(color.bold('Summary'));
        for (const s of outcome.stages) {
          progress(`  ${statusLabel(s.result.status).padEnd(18)} ${s.stage.padEnd(20)} ${s.result.summary}`);
          const details = 'details' in s.result ? s.result.details : undefined;
          for (const [k, v] of Object.entries(details ?? {})) progress(`  ${' '.repeat(18)} ${' '.repeat(20)} ${color.dim(`${k}: ${v}`)}`);
        }
        process.exitCode = outcome.ok ? EXIT.ok : EXIT.failed;
      }),
    );
}
