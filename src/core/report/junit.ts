/**
 * JUnit XML of quality reports (the de-facto schema read by Jenkins, GitLab and test-report actions):
 * one <testsuite> per suite, one <testcase> per check. `fail` → <failure>, `error` → <error>,
 * `warn` → a passing test case with the warning in <system-out>; suite-level errors become an
 * extra test case in <error>.
 */
import type { CheckResult, Report } from './report.ts';

function esc(s: string): string {
  // XML 1.0 forbids most control characters even when escaped.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const secs = (ms: number) => (ms / 1000).toFixed(3);

function detail(c: CheckResult): string {
  const lines = [c.message];
  if (c.failing_rows !== null) lines.push(`failing rows: ${c.failing_rows} of ${c.total_rows ?? '?'}`);
  if (c.samples.length) lines.push('samples:', ...c.samples.map((s) => '  ' + JSON.stringify(s)));
  return lines.join('\n');
}

/** Renders reports as one JUnit XML document (UTF-8, with XML declaration). */
export function renderJUnit(reports: readonly Report[]): string {
  const all = reports.flatMap((r) => r.checks);
  const count = (s: string) => all.filter((c) => c.status === s).length;
  const suiteErrors = reports.reduce((n, r) => n + r.errors.length, 0);
  const totalTime = reports.reduce((n, r) => n + r.duration_ms, 0);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="dataops data quality" tests="${all.length + suiteErrors}" failures="${count('fail')}" errors="${count('error') + suiteErrors}" time="${secs(totalTime)}">`);
  for (const r of reports) {
    const n = (s: string) => r.checks.filter((c) => c.status === s).length;
    out.push(
      `  <testsuite name="${esc(r.suite.name)}" tests="${r.checks.length + r.errors.length}" failures="${n('fail')}" errors="${n('error') + r.errors.length}" skipped="0" time="${secs(r.duration_ms)}" timestamp="${esc(r.started_at)}" file="${esc(r.suite.file)}">`,
    );
    for (const c of r.checks) {
      const attrs = `name="${esc(c.id)}" classname="${esc(`${r.suite.name}.${c.dataset}`)}" time="${secs(c.duration_ms)}"${c.line ? ` file="${esc(r.suite.file)}" line="${c.line}"` : ''}`;
      if (c.status === 'pass') out.push(`    <testcase ${attrs}/>`);
      else if (c.status === 'warn') out.push(`    <testcase ${attrs}>`, `      <system-out>${esc('WARN: ' + detail(c))}</system-out>`, '    </testcase>');
      else if (c.status === 'fail') out.push(`    <testcase ${attrs}>`, `      <failure message="${esc(c.message)}" type="${esc(c.type)}">${esc(detail(c))}</failure>`, '    </testcase>');
      else out.push(`    <testcase ${attrs}>`, `      <error message="${esc(c.error ?? c.message)}" type="check-error">${esc(c.error ?? c.message)}</error>`, '    </testcase>');
    }
    r.errors.forEach((e, i) => {
      out.push(`    <testcase name="suite-error-${i + 1}" classname="${esc(r.suite.name)}" time="0">`, `      <error message="${esc(e)}" type="configuration-error">${esc(e)}</error>`, '    </testcase>');
    });
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}
