/**
 * Error taxonomy shared by every action and the CLI (after github/codeql-action):
 * a {@link ConfigError} is the user's to fix and names where (file, line, field) and how;
 * anything else is a bug in dataops-actions and is reported as such.
 */

/** Where a configuration problem sits. All parts are optional; give as many as are known. */
export interface ErrorLocation {
  /** Path of the offending file, as the user wrote or sees it. */
  file?: string | undefined;
  /** 1-based line in `file`. */
  line?: number | undefined;
  /** 1-based column in `file`. */
  column?: number | undefined;
  /** Dotted field path (`checks[2].columns`) or input name (`fail-on`). */
  field?: string | undefined;
}

/**
 * A mistake in user input: a malformed suite, a missing file, a wrong digest, a forged message.
 * `message` states the problem; `fix` says what to do about it.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly location: ErrorLocation;
  readonly fix: string | undefined;

  constructor(problem: string, options: { location?: ErrorLocation; fix?: string; cause?: unknown; preformatted?: boolean } = {}) {
    super(options.preformatted ? problem : formatProblem(problem, options.location ?? {}, options.fix), { cause: options.cause });
    this.location = options.location ?? {};
    this.fix = options.fix;
  }
}

/** Several configuration errors found in one pass (e.g. every invalid field of a suite). */
export class ConfigErrors extends ConfigError {
  readonly errors: ConfigError[];
  constructor(errors: ConfigError[]) {
    const first = errors[0];
    const head = errors.length === 1 && first ? first.message : `${errors.length} problems:\n` + errors.map((e) => `  - ${e.message}`).join('\n');
    super(head, { location: first?.location ?? {}, preformatted: true });
    this.errors = errors;
  }
}

/** `file:line:column: field: problem. fix` with absent parts left out. */
export function formatProblem(problem: string, location: ErrorLocation, fix?: string): string {
  let where = '';
  if (location.file) {
    where = location.file;
    if (location.line) where += `:${location.line}`;
    if (location.line && location.column) where += `:${location.column}`;
    where += ': ';
  }
  const field = location.field ? `${location.field}: ` : '';
  const tail = fix ? ` ${/[.!?]$/.test(problem) ? '' : '.'}${fix}`.replace(/^ \./, '. ') : '';
  return `${where}${field}${problem}${tail}`;
}

/** True for errors the user can fix (configuration), false for bugs. */
export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError;
}

/**
 * One line (plus stack for bugs) describing `err` for a log, prefixed with the action or command name,
 * e.g. `data-quality: configuration error: quality/movies.yml:12: checks[3].type: unknown check type "uniq". Use one of: …`.
 */
export function describeError(prefix: string, err: unknown): string {
  if (isConfigError(err)) return `${prefix}: configuration error: ${err.message}`;
  const e = err instanceof Error ? err : new Error(String(err));
  return `${prefix}: internal error (a bug in dataops-actions, please report it with this log): ${e.stack ?? e.message}`;
}
