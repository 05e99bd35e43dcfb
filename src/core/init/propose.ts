/**
 * Proposes a quality suite from a dataset profile: the observed schema, `not_null` where a column
 * has no nulls (or fewer than a tolerance), `unique` where every row has its own value (key-like
 * types only), `accepted_values` for low-cardinality text columns, `range` with the observed
 * min/max of numeric columns, and a `row_count` floor. The proposal describes the data as it is
 * today: review it before relying on it (ranges in particular).
 */
import type { CheckSpec } from '../quality/suite.ts';
import { isIntegerType, isNumericType, isTemporalType } from '../engine/types.ts';
import type { DatasetProfile } from './profile.ts';

/** Options of {@link proposeChecks}. */
export interface ProposeOptions {
  /** Propose `not_null` with `max_failing_ratio` for columns whose null ratio is at most this (0..1). Default 0: only columns with no nulls. */
  nullTolerance?: number;
  /** Fraction of the observed row count used as `row_count.min`. Default 0.9. */
  rowCountFloor?: number;
  /** Text columns with at most this many values get `accepted_values`. Default 12. */
  maxCategories?: number;
}

/** A proposed check plus why it was proposed (written as its description). @public */
export type ProposedCheck = CheckSpec;

/** Checks for one dataset, named `dataset` in the suite. */
export function proposeChecks(dataset: string, profile: DatasetProfile, opts: ProposeOptions = {}): Array<Record<string, unknown>> {
  const tolerance = opts.nullTolerance ?? 0;
  const floor = opts.rowCountFloor ?? 0.9;
  const maxCategories = opts.maxCategories ?? 12;
  const rows = profile.rows;
  const checks: Array<Record<string, unknown>> = [];
  checks.push({
    type: 'schema',
    dataset,
    description: `Columns and types as profiled (${profile.columns.length} columns).`,
    columns: Object.fromEntries(profile.columns.map((c) => [c.name, c.type])),
  });
  checks.push({ type: 'row_count', dataset, description: `Profiled ${rows} rows; fail below ${Math.round(floor * 100)}% of that.`, min: Math.max(1, Math.floor(rows * floor)) });

  const noNulls = profile.columns.filter((c) => c.nulls === 0).map((c) => c.name);
  if (noNulls.length > 0) checks.push({ type: 'not_null', dataset, description: 'No nulls when profiled.', columns: noNulls });
  for (const c of profile.columns) {
    if (c.nulls > 0 && rows > 0 && tolerance > 0 && c.nulls / rows <= tolerance) {
      checks.push({ type: 'not_null', dataset, description: `${c.nulls} null(s) of ${rows} rows when profiled; tolerated up to ${tolerance * 100}%.`, columns: c.name, max_failing_ratio: tolerance });
    }
  }
  for (const c of profile.columns) {
    const keyLike = isIntegerType(c.type) || /^(VARCHAR|UUID)$/i.test(c.type) || isTemporalType(c.type);
    if (rows > 1 && keyLike && c.nulls === 0 && c.distinct === rows) checks.push({ type: 'unique', dataset, description: 'Every row had its own value when profiled (a key).', columns: c.name });
  }
  for (const c of profile.columns) {
    if (c.values && /^(VARCHAR|BOOLEAN)$/i.test(c.type) && c.values.length <= maxCategories && c.values.length < rows / 2) {
      checks.push({ type: 'accepted_values', dataset, description: `The ${c.values.length} value(s) seen when profiled.`, column: c.name, values: c.values });
    }
  }
  for (const c of profile.columns) {
    if (isNumericType(c.type) && typeof c.min === 'number' && typeof c.max === 'number') {
      checks.push({ type: 'range', dataset, description: 'Observed minimum and maximum when profiled.', column: c.name, min: c.min, max: c.max });
    }
  }
  return checks;
}
