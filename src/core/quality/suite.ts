/**
 * Quality suite file format (version 1): datasets plus a list of checks, in YAML.
 * This zod schema is the single source of truth; `schemas/quality-suite.schema.json` is generated
 * from it (scripts/gen-schemas.ts) for editors and for ajv.
 */
import { z } from 'zod';
import { durationSchema, identifierSchema } from '../fields.ts';
import { formatSchema } from '../fields.ts';
import { READER_OPTIONS } from '../formats.ts';
import { severitySchema } from '../report/report.ts';

const identifier = identifierSchema;
const columnName = z.string().min(1);

/** Per-column metadata of a dataset. */
export const columnMetaSchema = z.strictObject({
  pii: z.boolean().default(false).describe('Mask this column in samples, summaries and logs.'),
  description: z.string().optional(),
});

const readerOptionKey = z.enum([...new Set(Object.values(READER_OPTIONS).flat())].sort() as [string, ...string[]]);

/** A warehouse table: `schema.table` (PostgreSQL), `dataset.table` or `project.dataset.table` (BigQuery). */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_$-]*(\.[A-Za-z_][A-Za-z0-9_$-]*){1,2}$/;
const warehouse = {
  table: z
    .string()
    .regex(TABLE_NAME, 'write schema.table (PostgreSQL) or dataset.table / project.dataset.table (BigQuery)')
    .describe('The dataset as a warehouse table; read where it lives when the suite runs on a warehouse engine (docs/warehouse.md).'),
  connection: identifier.optional().describe('Name of the warehouse under connections: of dataops.yml. Default: the only one of the engine\'s type.'),
};

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
    .describe('Extra DuckDB reader options, e.g. {delim: ";", header: true}; see READER_OPTIONS in src/core/formats.ts for the keys each format takes.'),
  columns: z.record(columnName, columnMetaSchema).optional(),
  description: z.string().optional(),
  table: warehouse.table.optional().describe('The same data as a warehouse table, read instead of the files when the suite runs with --engine postgres|bigquery.'),
  connection: warehouse.connection,
});

/** A dataset that is a table in a warehouse (`connections:` of dataops.yml): the checks run there. */
export const tableDatasetSchema = z.strictObject({
  ...warehouse,
  columns: z.record(columnName, columnMetaSchema).optional(),
  description: z.string().optional(),
});

/** A dataset defined by a SQL query over other declared datasets (referenced by name). */
export const sqlDatasetSchema = z.strictObject({
  sql: z.string().min(1).describe('SELECT over other datasets of this suite, referenced by name.'),
  columns: z.record(columnName, columnMetaSchema).optional(),
  description: z.string().optional(),
});

export const datasetSchema = z.union([fileDatasetSchema, sqlDatasetSchema, tableDatasetSchema], {
  error: 'a dataset has "path" (files, with format/options; optionally the same data as a warehouse "table"), "table" (a warehouse table) or "sql" (a SELECT over other datasets)',
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

/** Schema contract fields of a `schema` check (compared with the base branch's recorded schema; see history/contract.ts). */
const contractFields = {
  compatibility: z
    .enum(['backward', 'forward', 'full'])
    .optional()
    .describe(
      "Fail on breaking changes against the base branch's recorded schema. backward: readers of the new schema can read data of the old one (no narrowed type, no nullable → required, no new required column); forward: readers of the old schema can read new data (no removed or renamed column, no widened type, no required → nullable); full: both.",
    ),
  required: z.array(columnName).optional().describe('Columns that must hold no nulls (the contract records them as required; nullable → required is a breaking change under backward).'),
};

/** Metrics an anomaly check follows. */
export const ANOMALY_METRICS = ['row_count', 'null_ratio', 'distinct_count', 'mean', 'median', 'freshness_lag', 'failing_rows'] as const;

const driftThresholds = z
  .strictObject({
    psi: z.number().positive().optional().describe('Population stability index above which the column drifted (default 0.2).'),
    ks: z.number().positive().max(1).optional().describe('Kolmogorov–Smirnov statistic D above which a numeric column drifted (default 0.1).'),
  })
  .nullable();

/** `type: drift`: per-column distribution drift from a base version of the dataset (quality/drift.ts). */
const driftCheckSchema = z.strictObject({
  ...common,
  type: z.literal('drift'),
  base: identifier.describe("The base version: another declared dataset (the base branch's output, the last release's file)."),
  columns: z.union([z.array(columnName).min(1), z.record(columnName, driftThresholds)]).describe('Columns to compare: a list (default thresholds) or column → {psi, ks}.'),
  bins: z.number().int().min(2).max(100).default(10).describe('Bins: quantiles of the base for numbers, its most frequent values (plus other) for the rest.'),
});

/** `type: anomaly`: a metric compared with its own history (history/anomaly.ts). */
const anomalyCheckSchema = z.strictObject({
  ...common,
  type: z.literal('anomaly'),
  metric: z.enum(ANOMALY_METRICS).describe('row_count; null_ratio, distinct_count, mean, median or freshness_lag (seconds) of `column`; failing_rows of the check named by `check`.'),
  column: columnName.optional().describe('Column of null_ratio, distinct_count, mean, median and freshness_lag.'),
  check: identifier.optional().describe('Id of the check whose failing rows failing_rows follows (same suite).'),
  window: z.number().int().min(3).max(1000).default(28).describe('Past points compared with: the last N runs (bucket: run) or days (bucket: day).'),
  bucket: z.enum(['run', 'day']).default('run').describe('run: every recorded run is a point; day: the last run of each UTC day.'),
  seasonality: z.enum(['none', 'weekday']).default('none').describe('weekday: compare with the same UTC weekday only (daily histories with a weekly pattern).'),
  min_history: z.number().int().min(1).default(7).describe('Points needed before the check can fail; with fewer it passes and says so.'),
  sensitivity: z.number().positive().default(3).describe('Allowed distance from the median in robust standard deviations (1.4826 × MAD); higher = fewer alarms.'),
  direction: z.enum(['both', 'up', 'down']).default('both').describe('Which side of the bounds fails.'),
  min_change_percent: z.number().min(0).default(0).describe("Changes smaller than this percentage of the median never fail (Elementary's ignore_small_changes), e.g. 10 for a row count."),
});
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
    max_age: durationSchema,
  }),
  z.strictObject({
    ...common,
    ...tolerance,
    type: z.literal('schema'),
    columns: z.record(columnName, z.string().min(1)).optional().describe('Expected column → DuckDB type (e.g. BIGINT, VARCHAR, TIMESTAMP). Optional with compatibility.'),
    allow_extra: z.boolean().default(false),
    ...contractFields,
  }),
  z.strictObject({ ...base, type: z.literal('sql'), query: z.string().min(1).describe('Query whose rows are the failures.') }),
  anomalyCheckSchema,
  driftCheckSchema,
]);
export type CheckSpec = z.output<typeof checkSchema>;

/** A check's `where` filter (schema checks take none). */
export function whereOf(check: CheckSpec): string | undefined {
  return 'where' in check ? check.where : undefined;
}
/** The check type names of a suite. @public */
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
