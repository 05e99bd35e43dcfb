/**
 * External linters run when installed: hadolint (Dockerfiles), sqlfluff (SQL), ruff (Python) and
 * shellcheck (shell in workflow and composite `run:` steps). A linter that is not on PATH is
 * reported as skipped with how to install it; it is never counted as passed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { execTool } from '../exec.ts';
import { helpUrl } from './rules.ts';
import type { Finding, LintSeverity, SkippedLinter } from './types.ts';

/** Result of one external linter over its files. */
export interface ExternalResult {
  name: string;
  findings: Finding[];
  skipped?: SkippedLinter;
}

/** How to install each external linter. */
export const INSTALL_HINTS: Record<string, string> = {
  hadolint: 'download a release binary from https://github.com/hadolint/hadolint/releases, or use the hadolint/hadolint-action',
  sqlfluff: 'pip install sqlfluff',
  ruff: 'pip install ruff (or uv tool install ruff)',
  shellcheck: 'apt-get install shellcheck (preinstalled on GitHub-hosted Ubuntu runners)',
};

interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A linter gets this long for one run over its files. */
const LINTER_TIMEOUT_MS = 5 * 60_000;

/** Runs a linter; undefined when it is not installed (not on PATH). A timeout is a failed run (exit 124). */
async function run(cmd: string, args: string[], cwd: string): Promise<ExecResult | undefined> {
  try {
    const r = await execTool(cmd, args, { cwd, timeoutMs: LINTER_TIMEOUT_MS, maxOutput: 64 * 1024 * 1024 });
    return r.timedOut ? { code: 124, stdout: '', stderr: `${cmd} did not finish within ${LINTER_TIMEOUT_MS / 60_000} minutes` } : r;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function skipped(name: string, files: number): ExternalResult {
  return { name, findings: [], skipped: { name, files, reason: `${name} is not installed (not on PATH)`, install: INSTALL_HINTS[name] ?? '' } };
}

function level(s: string): LintSeverity {
  return /^(error)$/i.test(s) ? 'error' : /^(info|style|note)$/i.test(s) ? 'note' : 'warning';
}

function failedToRun(name: string, r: ExecResult, files: number): ExternalResult {
  return { name, findings: [], skipped: { name, files, reason: `${name} failed to run (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}`, install: INSTALL_HINTS[name] ?? '' } };
}

function parseJson<T>(s: string): T | undefined {
  try {
    return JSON.parse(s) as T;
  } catch {
    return undefined;
  }
}

/** hadolint on Dockerfiles (`-f json`). */
export async function runHadolint(root: string, files: string[]): Promise<ExternalResult> {
  const r = await run('hadolint', ['--no-fail', '-f', 'json', ...files], root);
  if (!r) return skipped('hadolint', files.length);
  const out = parseJson<Array<{ file: string; line: number; column: number; level: string; code: string; message: string }>>(r.stdout);
  if (!out) return failedToRun('hadolint', r, files.length);
  return {
    name: 'hadolint',
    findings: out.map((f) => ({ ruleId: `hadolint/${f.code}`, severity: level(f.level), file: f.file, line: f.line, column: f.column || 1, message: `${f.message} (${f.code})`, helpUrl: `https://github.com/hadolint/hadolint/wiki/${f.code}` })),
  };
}

/** ruff on Python files (`check --output-format json`). */
export async function runRuff(root: string, files: string[]): Promise<ExternalResult> {
  const r = await run('ruff', ['check', '--no-fix', '--output-format', 'json', '--exit-zero', ...files], root);
  if (!r) return skipped('ruff', files.length);
  const out = parseJson<Array<{ code: string | null; message: string; filename: string; location: { row: number; column: number }; url?: string }>>(r.stdout);
  if (!out) return failedToRun('ruff', r, files.length);
  return {
    name: 'ruff',
    findings: out.map((f) => ({ ruleId: `ruff/${f.code ?? 'syntax'}`, severity: f.code ? 'warning' : 'error', file: path.relative(root, path.resolve(root, f.filename)), line: f.location.row, column: f.location.column, message: `${f.message} (${f.code ?? 'syntax'})`, helpUrl: f.url ?? helpUrl('ruff') })),
  };
}

/** sqlfluff on SQL files (`lint --format json`), dialect `duckdb` unless the project configures one (.sqlfluff). */
export async function runSqlfluff(root: string, files: string[], dialect = 'duckdb'): Promise<ExternalResult> {
  const r = await run('sqlfluff', ['lint', '--format', 'json', '--nofail', '--dialect', dialect, ...files], root);
  if (!r) return skipped('sqlfluff', files.length);
  type V = { code: string; description: string; start_line_no?: number; start_line_pos?: number; line_no?: number; line_pos?: number };
  const out = parseJson<Array<{ filepath: string; violations: V[] }>>(r.stdout);
  if (!out) return failedToRun('sqlfluff', r, files.length);
  return {
    name: 'sqlfluff',
    findings: out.flatMap((f) =>
      f.violations.map((v) => ({ ruleId: `sqlfluff/${v.code}`, severity: 'warning' as const, file: path.relative(root, path.resolve(root, f.filepath)), line: v.start_line_no ?? v.line_no ?? 1, column: v.start_line_pos ?? v.line_pos ?? 1, message: `${v.description} (${v.code})`, helpUrl: helpUrl('sqlfluff') })),
    ),
  };
}

/** A shell script taken from a `run:` step, with where its first line sits in the YAML file. */
export interface RunScript {
  file: string;
  /** 1-based YAML line of the script's first line. */
  line: number;
  /** Column offset of the script's lines in the YAML file (block indentation). */
  column: number;
  shell: string;
  script: string;
}

/** Extracts the bash/sh `run:` scripts of a workflow or composite action. `${{ }}` expressions are replaced by a placeholder of the same length. */
export function extractRunScripts(file: string, text: string): RunScript[] {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  if (doc.errors.length > 0) return [];
  const out: RunScript[] = [];
  const defaultShell = (node: unknown): string | undefined => {
    const defaults = isMap(node) ? node.get('defaults', true) : undefined;
    const runDefaults = isMap(defaults) ? defaults.get('run', true) : undefined;
    const shell = isMap(runDefaults) ? runDefaults.get('shell') : undefined;
    return typeof shell === 'string' ? shell : undefined;
  };
  const topShell = defaultShell(doc.contents);
  const visitSteps = (steps: unknown, inherited: string | undefined) => {
    if (!isSeq(steps)) return;
    for (const step of steps.items) {
      if (!isMap(step)) continue;
      const run = step.get('run', true) as Node | undefined;
      if (!isScalar(run) || typeof run.value !== 'string' || !run.range) continue;
      const own = step.get('shell');
      const shell = typeof own === 'string' ? own : (inherited ?? 'bash');
      if (!/^(bash|sh)\b/.test(shell)) continue;
      const blockStyle = run.type === 'BLOCK_LITERAL' || run.type === 'BLOCK_FOLDED';
      const start = counter.linePos(run.range[0]);
      const line = blockStyle ? start.line + 1 : start.line;
      const firstContent = blockStyle ? (text.split(/\r?\n/)[line - 1] ?? '') : '';
      const column = blockStyle ? firstContent.length - firstContent.trimStart().length : start.col - 1;
      out.push({ file, line, column, shell: shell.startsWith('sh') ? 'sh' : 'bash', script: run.value.replace(/\$\{\{.*?\}\}/g, (m) => 'X'.repeat(m.length)) });
    }
  };
  const root = doc.contents;
  const jobs = isMap(root) ? root.get('jobs', true) : undefined;
  if (isMap(jobs)) {
    for (const pair of jobs.items) {
      const job = pair.value;
      visitSteps(isMap(job) ? job.get('steps', true) : undefined, defaultShell(job) ?? topShell);
    }
  }
  const runs = isMap(root) ? root.get('runs', true) : undefined;
  if (isMap(runs)) visitSteps(runs.get('steps', true), undefined);
  return out;
}

/** shellcheck on every bash/sh `run:` script (each checked on its own, positions mapped back to the YAML file). */
export async function runShellcheck(root: string, scripts: RunScript[]): Promise<ExternalResult> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dataops-shellcheck-'));
  try {
    const findings: Finding[] = [];
    for (const [i, s] of scripts.entries()) {
      const f = path.join(tmp, `step-${i}.sh`);
      await writeFile(f, s.script);
      const r = await run('shellcheck', ['-f', 'json', '-s', s.shell, '-e', 'SC2148', f], root);
      if (!r) return skipped('shellcheck', scripts.length);
      const out = parseJson<Array<{ line: number; column: number; level: string; code: number; message: string }>>(r.stdout);
      if (!out) return failedToRun('shellcheck', r, scripts.length);
      for (const c of out) {
        findings.push({
          ruleId: `shellcheck/SC${c.code}`,
          severity: level(c.level),
          file: s.file,
          line: s.line + c.line - 1,
          column: s.column + c.column,
          message: `${c.message} (SC${c.code})`,
          helpUrl: `https://www.shellcheck.net/wiki/SC${c.code}`,
        });
      }
    }
    return { name: 'shellcheck', findings };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
