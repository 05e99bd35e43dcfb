/**
 * Runs `dataops quality` as a child process (as a user or CI would) and collects every output it
 * leaves: stdout, stderr, the JSON report, the JUnit file, and the job summary and annotations the
 * action renders from the same report (same code: renderSummary, checkAnnotations).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { checkAnnotations } from '../../src/core/report/annotations.ts';
import type { Report } from '../../src/core/report/report.ts';
import { renderSummary } from '../../src/core/report/summary.ts';

const CLI = path.resolve(import.meta.dirname, '../../src/cli/main.ts');

/** What one CLI run left behind. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The JSON report(s) (parsed; several suites give an array). */
  reports: Report[];
  /** Raw texts of every output, by name: stdout, stderr, report, junit, summary, annotations. */
  outputs: Record<string, string>;
}

/**
 * Runs `dataops quality --report <outDir>/report.json --junit <outDir>/junit.xml <args>` in `cwd`.
 * `env` is added to the test process's environment.
 */
export async function runQualityCli(args: string[], opts: { cwd: string; outDir: string; env?: Record<string, string> }): Promise<CliRun> {
  const report = path.join(opts.outDir, 'report.json');
  const junit = path.join(opts.outDir, 'junit.xml');
  let code = 0;
  let stdout = '';
  let stderr = '';
  try {
    const r = await promisify(execFile)(process.execPath, [CLI, 'quality', '--report', report, '--junit', junit, ...args], { cwd: opts.cwd, env: { ...process.env, NO_COLOR: '1', ...opts.env }, maxBuffer: 1 << 24 });
    stdout = r.stdout;
    stderr = r.stderr;
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    code = e.code;
    stdout = e.stdout;
    stderr = e.stderr;
  }
  const reportText = existsSync(report) ? readFileSync(report, 'utf8') : '';
  const parsed = reportText ? (JSON.parse(reportText) as Report | Report[]) : [];
  const reports = Array.isArray(parsed) ? parsed : [parsed];
  const annotations = checkAnnotations(reports);
  return {
    code,
    stdout,
    stderr,
    reports,
    outputs: {
      stdout,
      stderr,
      report: reportText,
      junit: existsSync(junit) ? readFileSync(junit, 'utf8') : '',
      summary: reports.length ? renderSummary(reports) : '',
      annotations: annotations.map((a) => `${a.title}\n${a.message}`).join('\n'),
    },
  };
}

/** Names of the outputs of `run` that contain `text` (case-insensitive). */
export function outputsContaining(run: CliRun, text: string): string[] {
  const needle = text.toLowerCase();
  return Object.entries(run.outputs)
    .filter(([, v]) => v.toLowerCase().includes(needle))
    .map(([k]) => k);
}

/** Every file under `dir` with its size and modification time (to prove nothing was written). */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = `${st.size}:${st.mtimeMs}`;
    }
  };
  walk(dir);
  return out;
}
