/** Text (terminal) and Markdown (job summary) renderings of a lint report. */
import type { LintReport } from './types.ts';

function counts(report: LintReport): { errors: number; warnings: number; notes: number } {
  let errors = 0;
  let warnings = 0;
  let notes = 0;
  for (const f of report.findings) {
    if (f.severity === 'error') errors++;
    else if (f.severity === 'warning') warnings++;
    else notes++;
  }
  return { errors, warnings, notes };
}

/** Counts of findings by severity. */
export { counts as countFindings };

function fileCount(report: LintReport): number {
  return Object.values(report.files).reduce((n, l) => n + l.length, 0);
}

/** `file:line:col: severity rule-id: message` lines, then a totals line and skipped linters. */
export function renderText(report: LintReport): string {
  const lines = report.findings.map((f) => `${f.file}:${f.line}:${f.column}: ${f.severity} [${f.ruleId}] ${f.message}`);
  const c = counts(report);
  lines.push(`${fileCount(report)} file(s) linted with ${report.ran.join(', ') || 'nothing'}: ${c.errors} error(s), ${c.warnings} warning(s), ${c.notes} note(s)`);
  for (const s of report.skipped) lines.push(`SKIPPED ${s.name} (${s.files} file(s)/script(s) not checked): ${s.reason}. Install: ${s.install}`);
  return lines.join('\n') + '\n';
}

function esc(s: string): string {
  return s.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** Job summary: verdict line, findings table (first 200), skipped linters. */
export function renderSummary(report: LintReport, failed: boolean): string {
  const c = counts(report);
  const out: string[] = [];
  out.push(`## dataops lint: ${failed ? '❌ failed' : c.errors + c.warnings > 0 ? '⚠️ findings' : '✅ clean'}`);
  out.push('');
  out.push(`${fileCount(report)} file(s) — workflows ${report.files.workflows.length}, actions ${report.files.actions.length}, project files ${report.files.project.length}, suites ${report.files.suites.length}, Dockerfiles ${report.files.dockerfiles.length}, SQL ${report.files.sql.length}, Python ${report.files.python.length}. Linters run: ${report.ran.join(', ') || 'none'}.`);
  out.push('');
  out.push(`**${c.errors}** error(s), **${c.warnings}** warning(s), **${c.notes}** note(s).`);
  if (report.findings.length > 0) {
    out.push('', '| Severity | Rule | Location | Message |', '| --- | --- | --- | --- |');
    for (const f of report.findings.slice(0, 200)) {
      out.push(`| ${f.severity} | ${f.helpUrl ? `[${f.ruleId}](${f.helpUrl})` : f.ruleId} | \`${esc(f.file)}:${f.line}:${f.column}\` | ${esc(f.message)} |`);
    }
    if (report.findings.length > 200) out.push('', `…and ${report.findings.length - 200} more (see the SARIF file).`);
  }
  if (report.skipped.length > 0) {
    out.push('', '### Skipped linters (not run — not passed)', '', '| Linter | Not checked | Reason | Install |', '| --- | --- | --- | --- |');
    for (const s of report.skipped) out.push(`| ${s.name} | ${s.files} | ${esc(s.reason)} | ${esc(s.install)} |`);
  }
  return out.join('\n') + '\n';
}
