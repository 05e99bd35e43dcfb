/** SQL text of names and values for the engine (DuckDB's quoting rules). */

/** Quotes an SQL identifier: `"a ""b"""`. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes an SQL string literal: `'it''s'`. */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A scalar as an SQL literal: numbers as written (non-finite ones as text), booleans TRUE/FALSE, strings quoted. */
export function sqlValue(v: string | number | boolean): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : literal(String(v));
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  return literal(v);
}
