/**
 * Annotations for failing checks, placed at the check's line in the suite file: level `error` for
 * `fail` and `error` checks (`notice` for a known failure under `fail-on: new`, which does not
 * fail the step), `warning` for `warn`. Pure data: the action entry emits them as
 * workflow commands (`::error file=…,line=…::`) and the Checks API client sends them with the
 * check run (levels `failure`/`warning`).
 *
 * GitHub shows at most {@link ANNOTATIONS_PER_LEVEL} annotations per level per step;
 * {@link limitAnnotations} keeps the first of each level and adds one notice summarising the rest.
 */
import type { CheckResult, Report } from './report.ts';
import { groupDigits, sortChecks } from './summary.ts';

/** An annotation for the workflow log (`core.error/warning/notice`). */
export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  title: string;
  /** Repository-relative path of the suite file (absent: not anchored to a file). */
  file?: string;
  /** 1-based line. */
  line?: number;
  /** 1-based column. */
  column?: number;
  /** The check it stands for (absent for summarising notices). */
  checkId?: string;
}

/**
 * GitHub's per-level, per-step limit of annotations shown (10 errors, 10 warnings, 10 notices;
 * https://docs.github.com/actions/reference/workflows-and-actions/workflow-commands): the one
 * limit every action applies. Check runs and SARIF carry all of them.
 */
export const ANNOTATIONS_PER_LEVEL = 10;

/** Options of {@link checkAnnotations}. */
export interface AnnotationOptions {
  /** Maps the report's suite path to a repository-relative one (default: as written). */
  file?: (suiteFile: string) => string;
}

/** The one-line message of a failing check: what was observed, and its description. */
export function checkMessage(c: CheckResult): string {
  const rows = c.failing_rows !== null && c.total_rows !== null && !['row_count', 'freshness', 'schema'].includes(c.type) ? ` (${groupDigits(c.failing_rows)} of ${groupDigits(c.total_rows)} rows)` : '';
  const what = c.status === 'error' ? `check could not run: ${c.error ?? c.message}` : `${c.message}${rows && !c.message.includes(String(c.failing_rows)) ? rows : ''}`;
  return c.description ? `${what}\n${c.description}` : what;
}

/** One annotation per non-passing check of each report, failures first (error, fail, warn). */
export function checkAnnotations(reports: readonly Report[], options: AnnotationOptions = {}): Annotation[] {
  const out: Annotation[] = [];
  for (const report of reports) {
    const file = options.file ? options.file(report.suite.file) : report.suite.file;
    for (const c of sortChecks(report.checks)) {
      if (c.status === 'pass') continue;
      out.push({
        // a known failure (fail-on: new) does not fail the step: a notice, not an error
        level: c.status === 'warn' ? 'warning' : c.known && report.fail_on === 'new' ? 'notice' : 'error',
        title: `data-quality ${c.status}${c.known ? ' (known)' : ''}: ${report.suite.name}/${c.id} (${c.type} on ${c.dataset}${c.columns.length ? `.${c.columns.join(',')}` : ''})`,
        message: checkMessage(c),
        file,
        ...(c.line ? { line: c.line } : {}),
        checkId: c.id,
      });
    }
  }
  return out;
}

/** How the overflow notice of {@link limitAnnotations} words what was left out. */
export interface Overflow {
  /** Prefix of its title, e.g. `data-quality`, `dataops lint`. */
  source: string;
  /** What an annotation of each level stands for (plural), e.g. `failing checks`. */
  words: Record<Annotation['level'], string>;
  /** Where the rest is, e.g. `the job summary`, `the SARIF file`. */
  where: string;
}

/** The overflow wording of the check-report family (data-quality, system-test, verify). */
export const CHECK_OVERFLOW: Overflow = { source: 'data-quality', words: { error: 'failing checks', warning: 'checks with warnings', notice: 'notices' }, where: 'the job summary' };

/**
 * The annotations GitHub will show: the first `perLevel` of each level, plus one `notice` per
 * level that overflowed ("…and 7 more failing checks: see the job summary").
 */
export function limitAnnotations(annotations: readonly Annotation[], overflow: Overflow = CHECK_OVERFLOW, perLevel = ANNOTATIONS_PER_LEVEL): Annotation[] {
  const kept: Annotation[] = [];
  const dropped: Record<Annotation['level'], number> = { error: 0, warning: 0, notice: 0 };
  const seen: Record<Annotation['level'], number> = { error: 0, warning: 0, notice: 0 };
  for (const a of annotations) {
    if (seen[a.level]++ < perLevel) kept.push(a);
    else dropped[a.level]++;
  }
  for (const level of ['error', 'warning', 'notice'] as const) {
    if (dropped[level] === 0) continue;
    const what = `${dropped[level]} more ${overflow.words[level]}`;
    kept.push({ level: 'notice', title: `${overflow.source}: ${what}`, message: `…and ${what}: see ${overflow.where}` });
  }
  return kept;
}
