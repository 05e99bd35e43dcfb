/**
 * The wording of quality check results: one sentence per check saying what was observed, with
 * the tolerance applied and, for checks that did not pass, the distinct failing keys or values.
 * Pure functions of the check and its numbers.
 */
import type { CheckSpec } from './suite.ts';

/** `1 row` / `2 rows`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `; 2 distinct values` / `; 2 duplicated keys over 5 rows` after a failing check's message. */
export function distinctNote(spec: CheckSpec, distinct: number, keyRows: number | null | undefined): string {
  switch (spec.type) {
    case 'unique':
      return `; ${plural(distinct, 'duplicated key')} over ${plural(keyRows ?? 0, 'row')}`;
    case 'relationships':
      return `; ${plural(distinct, 'distinct key')} without a match`;
    default:
      return `; ${plural(distinct, 'distinct value')}`;
  }
}

/** ` (tolerance max 3, max 0.1%)` for a check with a tolerance; '' otherwise. */
export function toleranceNote(spec: CheckSpec): string {
  const parts: string[] = [];
  const t = spec as { max_failing?: number; max_failing_ratio?: number };
  if (t.max_failing !== undefined) parts.push(`max ${t.max_failing}`);
  if (t.max_failing_ratio !== undefined) parts.push(`max ${(t.max_failing_ratio * 100).toPrecision(3).replace(/\.?0+$/, '')}%`);
  return parts.length ? ` (tolerance ${parts.join(', ')})` : '';
}

/** `36.0 h` / `4.2 d` for a duration in ms. */
export function span(ms: number): string {
  return ms >= 172_800_000 ? `${(ms / 86_400_000).toFixed(1)} d` : `${(ms / 3_600_000).toFixed(1)} h`;
}

/** `12 of 3,000 rows (0.40%) with NULL in a, b`: the sentence of a row-level check. */
export function failingMessage(spec: CheckSpec, failing: number, total: number): string {
  const ratio = total > 0 ? ` (${((failing / total) * 100).toFixed(failing / total < 0.001 ? 4 : 2)}%)` : '';
  const of = `${failing} of ${plural(total, 'row')}${failing ? ratio : ''}`;
  switch (spec.type) {
    case 'not_null':
      return `${of} with NULL in ${[spec.columns].flat().join(', ')}`;
    case 'unique':
      return `${of} duplicate ${[spec.columns].flat().join(', ')} (rows beyond the first of each key)`;
    case 'accepted_values':
      return `${of} with ${spec.column} outside the ${plural(spec.values.length, 'accepted value')}`;
    case 'range': {
      const inc = typeof spec.inclusive === 'boolean' ? { min: spec.inclusive, max: spec.inclusive } : spec.inclusive;
      const lo = spec.min !== undefined ? `${inc.min ? '[' : '('}${spec.min}` : '(-∞';
      const hi = spec.max !== undefined ? `${spec.max}${inc.max ? ']' : ')'}` : '∞)';
      return `${of} with ${spec.column} outside ${lo}, ${hi}`;
    }
    case 'regex':
      return `${of} with ${spec.column} not fully matching /${spec.pattern}/`;
    case 'relationships':
      return `${of} whose ${[spec.columns].flat().join(', ')} has no match in ${spec.to.dataset}.${[spec.to.columns].flat().join(', ')}`;
    default:
      return of;
  }
}
