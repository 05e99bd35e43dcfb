/**
 * Flow stage `lint`: lints the project directory (workflows, action.yml, dataops.yml, suites and,
 * when installed, Dockerfiles, SQL, Python and run scripts), writes `<workDir>/lint.sarif`, and
 * hands the counts on in `state.lint`. Warn-only: findings make the stage `warned`, never
 * `failed` (set DATAOPS_LINT_FAIL_ON=error|warning in the environment to gate the flow on them). A linter that is not
 * installed is named in the summary as skipped.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { countFindings } from '../../lint/render.ts';
import { failsAt, lintPath, toSarif, type LintFailOn } from '../../lint/index.ts';
import type { Stage } from '../types.ts';

export const lintStage: Stage = {
  name: 'lint',
  title: 'Lint code, workflows and config',
  async run(ctx) {
    const scratch = path.relative(ctx.project.dir, ctx.workDir).split(path.sep).join('/');
    const report = await lintPath(ctx.project.dir, { exclude: scratch && !scratch.startsWith('..') ? [`${scratch}/**`] : [], actionlint: { runtime: ctx.runtime } });
    await mkdir(ctx.workDir, { recursive: true });
    const sarifPath = path.join(ctx.workDir, 'lint.sarif');
    await writeFile(sarifPath, JSON.stringify(toSarif(report), null, 2) + '\n');
    const c = countFindings(report);
    const skipped = report.skipped.map((s) => s.name);
    ctx.state.lint = { findings: report.findings.length, errors: c.errors, warnings: c.warnings, sarifPath, skipped };
    for (const f of report.findings.slice(0, 10)) ctx.log(`${f.file}:${f.line}:${f.column} ${f.severity} [${f.ruleId}] ${f.message}`);
    if (report.findings.length > 10) ctx.log(`…and ${report.findings.length - 10} more in ${sarifPath}`);
    const files = Object.values(report.files).reduce((n, l) => n + l.length, 0);
    const skippedNote = skipped.length > 0 ? `; skipped (not installed): ${skipped.join(', ')}` : '';
    const gate = ctx.runner.env.DATAOPS_LINT_FAIL_ON;
    const failOn: LintFailOn = gate === 'error' || gate === 'warning' ? gate : 'never';
    const details = { files, errors: c.errors, warnings: c.warnings, sarif: sarifPath };
    if (report.findings.length === 0) return { status: 'passed', summary: `${files} file(s) clean (${report.ran.join(', ')})${skippedNote}`, details };
    return {
      status: failOn !== 'never' && failsAt(report.findings, failOn) ? 'failed' : 'warned',
      summary: `${c.errors} error(s), ${c.warnings} warning(s) in ${files} file(s)${skippedNote}`,
      details,
    };
  },
};
