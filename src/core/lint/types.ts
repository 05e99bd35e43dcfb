/**
 * Shapes shared by the linters of `dataops lint`: one {@link Finding} per problem (rule id,
 * severity, file:line:column, message with the fix), plus which external linters ran or were
 * skipped because they are not installed.
 */

/** Finding severity, as in SARIF `level` (`note` is informational and never fails a run). */
export type LintSeverity = 'error' | 'warning' | 'note';

/** One problem found by a linter. */
export interface Finding {
  /** Rule id: one of ours (`template-injection`), `schema`, `yaml-syntax`, `actionlint/<kind>`, or `<tool>/<code>` for external linters. */
  ruleId: string;
  severity: LintSeverity;
  /** Path relative to the linted root, with forward slashes. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** The problem and how to fix it. */
  message: string;
  /** Documentation of the rule. */
  helpUrl?: string | undefined;
}

/** A linter that did not run and why (absent tools are never reported as passed). */
export interface SkippedLinter {
  /** Tool name (`hadolint`, `shellcheck`, …). */
  name: string;
  /** Files it would have checked. */
  files: number;
  /** Why it did not run. */
  reason: string;
  /** How to install it. */
  install: string;
}

/** Result of linting one directory tree. */
export interface LintReport {
  /** Absolute root that `file` paths are relative to. */
  root: string;
  findings: Finding[];
  /** Linters that ran (ours, actionlint, ajv, and the external ones found on PATH). */
  ran: string[];
  skipped: SkippedLinter[];
  /** Files examined, by kind. */
  files: { workflows: string[]; actions: string[]; dependabot: string[]; project: string[]; suites: string[]; dockerfiles: string[]; sql: string[]; python: string[] };
}

/** Which severity makes a lint run fail: `error`, `warning` (errors and warnings) or `never`. */
export type LintFailOn = 'error' | 'warning' | 'never';

/** True when `findings` hold at least one finding at or above `failOn`. */
export function failsAt(findings: readonly Finding[], failOn: LintFailOn): boolean {
  if (failOn === 'never') return false;
  return findings.some((f) => f.severity === 'error' || (failOn === 'warning' && f.severity === 'warning'));
}
