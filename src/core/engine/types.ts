/** DuckDB column types by kind, from the type names `DESCRIBE` reports (`BIGINT`, `DECIMAL(18,3)`, `TIMESTAMP WITH TIME ZONE`…). */

const INTEGER = /^U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$/i;
const NUMERIC = /^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|REAL|DECIMAL(\(.*\))?)$/i;
const TEMPORAL = /^(DATE|TIME|TIMESTAMP)/i;

/** True for integer types, signed or unsigned. */
export function isIntegerType(type: string): boolean {
  return INTEGER.test(type.trim());
}

/** True for numeric types: integers, floats, decimals. */
export function isNumericType(type: string): boolean {
  return NUMERIC.test(type.trim());
}

/** True for DATE, TIME and TIMESTAMP types (with or without time zone or precision). */
export function isTemporalType(type: string): boolean {
  return TEMPORAL.test(type.trim());
}
