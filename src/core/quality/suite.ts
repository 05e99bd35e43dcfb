/**
 * Quality suite file format (version 1): datasets plus a list of checks, in YAML.
 * This zod schema is the single source of truth; `schemas/quality-suite.schema.json` is generated
 * from it (scripts/gen-schemas.ts) for editors and for ajv.
 */
import { z } from 'zod';

/** How bad a failing check is: `error` fails the step under the default `fail-on: error`, `warn` reports only. */
export const severitySchema = z.enum(['error', 'warn']).describe('error: a failure fails the step (with fail-on: error). warn: reported as a warning.');
export type Severity = z.output<typeof severitySchema>;

/** Which outcome fails the step: any `error`-status or failing error-severity check; also warnings; or never. */
export const failOnSchema = z.enum(['error', 'warn', 'never']);
export type FailOn = z.output<typeof failOnSchema>;

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'use letters, digits and "_", not starting with a digit');
const columnName = z.string().min(1);

/** Per-column metadata of a dataset. */
export const columnMetaSchema = z.strictObject({
  pii: z.boolean().default(false).describe('Mask this column in samples, summaries and logs.'),
  description: z.string().optional(),
});

/** File formats DuckDB reads for us. */
export const formatSchema = z.enum(['csv', 'tsv', 'parquet', 'json', 'ndjson']);
export type DatasetFormat = z.output<typeof formatSchema>;

/**
 * Reader options a dataset may pass to DuckDB, per format (read_csv, read_parquet, read_json).
 * Keys outside these lists are refused (an option key is SQL syntax, never data); values are
 * always bound as literals. Options that write (rejects tables), add the file path to the rows
 * (`filename`) or take nested values are left out.
 */
export const READER_OPTIONS: Record<'csv' | 'parquet' | 'json', readonly string[]> = {
  csv: [
    'all_varchar', 'allow_quoted_nulls', 'auto_detect', 'buffer_size', 'comment', 'compression', 'dateformat', 'decimal_separator', 'delim', 'encoding', 'escape',
    'header', 'ignore_errors', 'max_line_size', 'new_line', 'normalize_names', 'null_padding', 'nullstr', 'parallel', 'quote', 'sample_size', 'sep', 'skip', 'strict_mode',
    'thousands', 'timestampformat', 'union_by_name',
  ],
  parquet: ['binary_as_string', 'file_row_number', 'hive_partitioning', 'union_by_name'],
  json: ['auto_detect', 'compression', 'convert_strings_to_integers', 'dateformat', 'date_format', 'field_appearance_threshold', 'format', 'ignore_errors', 'maximum_depth', 'maximum_object_size', 'records', 'sample_size', 'timestampformat', 'timestamp_format', 'union_by_name'],
};
/** The reader option list of a format (tsv reads as csv, ndjson as json). */
export function readerOptionsOf(format: DatasetFormat): readonly string[] {
  return READER_OPTIONS[format === 'tsv' ? 'csv' : format === 'ndjson' ? 'json' : format];
}
const readerOptionKey = z.enum([...new Set(Object.values(READER_OPTIONS).flat())].sort() as [string, ...string[]]);

/**
 * A file dataset: one path or glob (or a list), relative to the file declaring it. The prefix `npm:`
 * resolves through installed npm packages (`npm:vega-datasets/data/movies.json`).
 */
export const fileDatasetSchema = z.strictObject({
  path: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).describe('File path or glob, or a list; relative to the declaring file. "npm:<package>/<file>" reads a file shipped in an npm package.'),
  format: formatSchema.optional().describe('Defaults from the file extension.'),
  options: z
    .partialRecord(readerOptionKey, z.union([z.string(), z.number(), z.boolean()]))
    .optional()
    .describe('Extra DuckDB reader options, e.g. {delim: ";", header: true}; see READER_OPTIONS in src/core/quality/suite.ts for the keys each format takes.'),
  columns: z.record(columnName, columnMetaSchema).optional(),
  description: z.string().optional(),
});

/** A dataset defined by a SQL query over other declared datasets (referenced by name). */
export const sqlDatasetSchema = z.strictObject({
  sql: z.string().min(1).describe('SELECT over other datasets of this suite, referenced by name.'),
  columns: z.record(columnName, columnMetaSchema).optional(),
  description: z.string().optional(),
});

export const datasetSchema = z.union([fileDatasetSchema, sqlDatasetSchema], {
  error: 'a dataset has either "path" (files, with format/options) or "sql" (a SELECT over other datasets), not both and not neither',
});
export type DatasetSpec = z.output<typeof datasetSchema>;

const common = {
  id: identifier.optional().describe('Stable id (defaults to <type>_<dataset>_<columns>); check runs and reports key on it.'),
  dataset: identifier.describe('Name of a dataset declared in this suite or in dataops.yml.'),
  description: z.string().optional(),
  severity: severitySchema.default('error'),
};
const where = z.string().min(1).optional().describe('SQL filter, one expression: only rows matching it are checked.');
const tolerance = {
  max_failing: z.number().int().min(0).optional().describe('Tolerance: pass while at most this many rows fail.'),
  max_failing_ratio: z.number().min(0).max(1).optional().describe('Tolerance: pass while at most this fraction of rows fail (0..1).'),
};
const base = { ...common, where, ...tolerance };
/** Keys a check type does not take, with why (checked before the schema for a clearer message than "unknown key"). */
export const NOT_FOR: Record<string, Record<string, string>> = {
  row_count: {
    max_failing: 'row_count has no failing rows to tolerate; widen min/max instead (or set severity: warn)',
    max_failing_ratio: 'row_count has no failing rows to tolerate; widen min/max instead (or set severity: warn)',
  },
  freshness: {
    max_failing: 'freshness has no failing rows to tolerate; raise max_age instead (or set severity: warn)',
    max_failing_ratio: 'freshness has no failing rows to tolerate; raise max_age instead (or set severity: warn)',
  },
  schema: { where: 'a schema check looks at column names and types, not rows; remove where' },
};
const oneOrMoreColumns = z.union([columnName, z.array(columnName).min(1)]);
const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const checkSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...common, where, type: z.literal('row_count'), min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() }),
  z.strictObject({ ...base, type: z.literal('not_null'), columns: oneOrMoreColumns }),
  z.strictObject({ ...base, type: z.literal('unique'), columns: oneOrMoreColumns.describe('One column, or a composite key.') }),
  z.strictObject({ ...base, type: z.literal('accepted_values'), column: columnName, values: z.array(scalar).min(1) }),
  z.strictObject({
    ...base,
    type: z.literal('range'),
    column: columnName,
    min: z.union([z.number(), z.string()]).optional(),
    max: z.union([z.number(), z.string()]).optional(),
    inclusive: z.union([z.boolean(), z.strictObject({ min: z.boolean().default(true), max: z.boolean().default(true) })]).default(true),
  }),
  z.strictObject({ ...base, type: z.literal('regex'), column: columnName, pattern: z.string().min(1).describe('RE2 pattern that must match the whole value.') }),
  z.strictObject({
    ...base,
    type: z.literal('relationships'),
    columns: oneOrMoreColumns,
    to: z.strictObject({ dataset: identifier, columns: oneOrMoreColumns }),
  }),
  z.strictObject({
    ...common,
    where,
    type: z.literal('freshness'),
    column: columnName,
    max_age: z.string().regex(/^\d+(\.\d+)?\s*(s|m|h|d|w)$/, 'write a duration like "90m", "36h" or "7d"'),
  }),
  z.strictObject({
    ...common,
    ...tolerance,
    type: z.literal('schema'),
    columns: z.record(columnName, z.string().min(1)).describe('Expected column → DuckDB type (e.g. BIGINT, VARCHAR, TIMESTAMP).'),
    allow_extra: z.boolean().default(false),
  }),
  z.strictObject({ ...base, type: z.literal('sql'), query: z.string().min(1).describe('Query whose rows are the failures.') }),
]);
export type CheckSpec = z.output<typeof checkSchema>;

/** A check's `where` filter (schema checks take none). */
export function whereOf(check: CheckSpec): string | undefined {
  return 'where' in check ? check.where : undefined;
}
export type CheckType = CheckSpec['type'];

/** A quality suite file. */
export const suiteSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1),
    suite: identifier.describe('Suite name: one check run per suite.'),
    description: z.string().optional(),
    datasets: z.record(identifier, datasetSchema).default({}),
    checks: z.array(checkSchema).min(1),
  })
  .describe('dataops-actions data-quality suite.');
export type SuiteSpec = z.output<typeof suiteSchema>;
