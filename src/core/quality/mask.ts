/**
 * PII masking: values of columns marked `pii: true` never reach samples, messages, summaries or logs.
 * A masked value is always the same string, so it reveals neither content nor length.
 */

/** The replacement for any PII value. */
export const MASK = '••••';

/** Masks one value: every value (including numbers) becomes {@link MASK}. */
export function maskValue(_v: unknown): string {
  return MASK;
}

/** Copy of `row` with the `pii` columns masked (nulls stay null: a missing value reveals nothing). */
export function maskRow(row: Record<string, unknown>, pii: ReadonlySet<string>): Record<string, unknown> {
  if (pii.size === 0) return row;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = pii.has(k) && v !== null && v !== undefined ? maskValue(v) : v;
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
