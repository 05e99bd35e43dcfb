/**
 * `image.system_test` in dataops.yml: how the built image is run on fixture inputs and how its
 * outputs are checked (golden comparisons against `expected/` and quality suites on the outputs).
 * Paths are relative to dataops.yml; output paths are relative to the container's output directory.
 */
import { z } from 'zod';
import { containerMemorySchema, formatSchema, identifierSchema as identifier } from '../fields.ts';
import { failOnSchema, severitySchema } from '../report/report.ts';
const columns = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/**
 * Numeric tolerance: a value passes when `|output - expected| <= max(absolute, relative * |expected|)`
 * (the rule of Python's `math.isclose`). Both 0 means exact equality.
 */
export const toleranceSchema = z
  .strictObject({
    absolute: z.number().min(0).default(0).describe('Largest allowed absolute difference.'),
    relative: z.number().min(0).default(0).describe('Largest allowed difference relative to the expected value (0.001 = 0.1 %).'),
  })
  .describe('Numeric tolerance: |output - expected| <= max(absolute, relative * |expected|).');
export type Tolerance = z.output<typeof toleranceSchema>;

/** One golden comparison: an output file of the container against its expected copy. */
export const goldenComparisonSchema = z
  .strictObject({
    output: z.string().min(1).describe('Output file, relative to the output directory (/data/out in the container).'),
    expected: z.string().min(1).optional().describe('Expected file, relative to the expected directory and inside it; never a credential file. Default: same path as output.'),
    name: identifier.optional().describe('Dataset name in the report and in output suites. Default: the output file name without extension.'),
    format: formatSchema.optional().describe('File format of both files. Default: from the extension.'),
    key: columns.optional().describe('Key column(s) identifying a row. Enables key-set and per-row value comparison.'),
    columns: z.array(z.string().min(1)).min(1).optional().describe('Columns whose values are compared. Default: every common non-key column.'),
    ignore_columns: z.array(z.string().min(1)).default([]).describe('Columns left out of schema and value comparison (e.g. run timestamps).'),
    tolerance: toleranceSchema.default({ absolute: 0, relative: 0 }).describe('Tolerance for numeric values and aggregates (sum, avg, min, max).'),
    column_tolerance: z.record(z.string().min(1), toleranceSchema).default({}).describe('Per-column tolerance overriding "tolerance".'),
    allow_extra_columns: z.boolean().default(false).describe('Pass the schema comparison when the output has columns the expected file lacks.'),
    compare_types: z.boolean().default(true).describe('Fail the schema comparison when a column type differs.'),
    pii: z.array(z.string().min(1)).default([]).describe('Columns masked in failing samples.'),
    severity: severitySchema.default('error'),
  })
  .describe('Golden comparison of one output file with its expected copy.');
export type GoldenComparison = z.output<typeof goldenComparisonSchema>;
export type GoldenComparisonInput = z.input<typeof goldenComparisonSchema>;

/** Container runtimes the system test can use. `auto`: docker where a daemon answers, else podman, else buildah. */
export const runnerSchema = z.enum(['auto', 'docker', 'podman', 'buildah']);
export type Runner = z.output<typeof runnerSchema>;

/** `image.system_test` section. */
export const systemTestConfigSchema = z
  .strictObject({
    fixtures: z.string().min(1).default('fixtures').describe('Input directory mounted read-only at /data/in. Relative to dataops.yml, inside the project; holds no .git or credential file.'),
    expected: z.string().min(1).default('expected').describe('Directory of expected outputs. Relative to dataops.yml, inside the project.'),
    compare: z.array(goldenComparisonSchema).default([]).describe('Golden comparisons, one per output file.'),
    suites: z.array(z.string().min(1)).default([]).describe('Quality suites run on the outputs (relative to dataops.yml, inside the project). Each compared output is a dataset by its name.'),
    outputs: z.record(identifier, z.string().min(1)).default({}).describe('Further output files (relative to the output directory) exposed to the suites as datasets, by name.'),
    env: z.record(identifier, z.string()).default({}).describe('Environment of the container.'),
    args: z.array(z.string()).default([]).describe('Arguments appended to the image entrypoint.'),
    timeout_minutes: z.number().positive().default(10).describe('The container is stopped after this long and the run fails.'),
    memory_limit: containerMemorySchema.optional()
      .describe('Container memory limit, e.g. "1g".'),
    runner: runnerSchema.default('auto').describe('Container runtime: auto, docker, podman or buildah.'),
    fail_on: failOnSchema.default('error').describe('Which check outcome fails the stage: error (default), warn or never.'),
  })
  .describe('System test: the built image run by digest on fixtures, its outputs checked.');
/** @public The validated section, for code that reads it (knip: not yet imported elsewhere). */
export type SystemTestConfig = z.output<typeof systemTestConfigSchema>;
