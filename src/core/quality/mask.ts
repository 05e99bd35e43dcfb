/**
 * PII masking: values of columns marked `pii: true` (and of every column derived from one, see
 * sql.ts) never reach samples, messages, summaries or logs. A masked value is always the same
 * string, so it reveals neither content nor length. Column names match case-insensitively.
 *
 * Engine error texts are scrubbed before any output ({@link scrubEngineError}): they may echo a
 * data row (`Original Line: …`) or quote a value (`Could not convert string "…"`).
 */

/** The replacement for any PII value. */
export const MASK = '••••';

/** Masks one value: every value (including numbers) becomes {@link MASK}. */
export function maskValue(_v: unknown): string {
  return MASK;
}

/** Whether column `name` is one of `pii` (names compared case-insensitively; `pii` may hold any case). */
export function isPii(name: string, pii: ReadonlySet<string>): boolean {
  if (pii.has(name)) return true;
  const lower = name.toLowerCase();
  for (const p of pii) if (p.toLowerCase() === lower) return true;
  return false;
}

/** Copy of `row` with the `pii` columns masked, names compared case-insensitively (nulls stay null: a missing value reveals nothing). */
export function maskRow(row: Record<string, unknown>, pii: ReadonlySet<string>): Record<string, unknown> {
  if (pii.size === 0) return row;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = isPii(k, pii) && v !== null && v !== undefined ? maskValue(v) : v;
  return out;
}

/**
 * Removes PII from a text: each known raw value (taken from unmasked sample rows) is replaced by
 * {@link MASK}, and when `quotedToo` is set every single-quoted literal is masked too (engine error
 * messages quote the offending value: `Could not convert string 'x' to INT32`).
 */
export function scrubText(text: string, rawValues: Iterable<unknown>, quotedToo = false): string {
  let out = text;
  const values = [...new Set([...rawValues].filter((v) => v !== null && v !== undefined).map(String))].filter((v) => v.length > 0).sort((a, b) => b.length - a.length);
  for (const v of values) out = out.split(v).join(MASK);
  if (quotedToo) out = out.replace(/'(?:[^']|'')*'/g, `'${MASK}'`);
  return out;
}

/** Continuation lines of an engine error that state facts about the statement, never a data value. */
const KEPT_LINE = /^(CSV Error on Line: \d+|Error when converting column|Expected Number of Columns|Candidate bindings|Did you mean|Column \S+ is being converted)/;
/** Words after which an engine error quotes a name (of a column, table, function, file), never a value. */
const NAMED = /\b(column|columns|table|function|binding|bindings|file|name):?\s+$/i;
/** DuckDB type names, as engine errors quote them (`to 'BIGINT'`, `to INT32`). */
const TYPE_NAME = /^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|INT(8|16|32|64|128)?)|DOUBLE|FLOAT|REAL|DECIMAL(\(\d+,\s*\d+\))?|VARCHAR|BOOLEAN|BOOL|DATE|TIME|TIMESTAMP( WITH TIME ZONE)?|TIMESTAMP_(S|MS|NS)|INTERVAL|BLOB|UUID|JSON|NULL)$/i;

/**
 * An engine error text fit for reports and logs: the echo of the SQL (`LINE 1: …`) cut, only the
 * first line and statement-level facts kept (an `Original Line: …` echo of a data row, a value on
 * a line of its own, the reader's settings dump are dropped), and every quoted string masked
 * unless `safe` says it is known text (a name from the suite or the data's schema, a type name).
 */
export function scrubEngineError(text: string, safe: (quoted: string) => boolean): string {
  const head = text.split(/\n\s*LINE \d+:/)[0]!.split(/\n\s*\n/)[0]!;
  const [first = '', ...rest] = head.split('\n');
  const lines = [first, ...rest.filter((l) => KEPT_LINE.test(l.trim()))].map((l) => l.trim());
  return lines
    .join(' ')
    .replace(/"([^"\n]*)"|'([^'\n]*)'/g, (m, dq: string | undefined, sq: string | undefined, offset: number, all: string) => {
      const inner = dq ?? sq ?? '';
      const named = NAMED.test(all.slice(Math.max(0, offset - 24), offset));
      return inner === '' || named || TYPE_NAME.test(inner) || safe(inner) ? m : m[0] === '"' ? `"${MASK}"` : `'${MASK}'`;
    })
    .trim();
}
