/**
 * The `datasets:` and `quality:` sections of dataops.yml. Dataset declarations share one schema
 * with quality suites (see suite.ts), so a project can name its datasets once.
 */
import { z } from 'zod';
import { engineMemoryLimitSchema, identifierSchema } from '../fields.ts';
import { failOnSchema } from '../report/report.ts';
import { datasetSchema } from './suite.ts';
import { ENGINE_KINDS, type DialectName as EngineKind } from '../engine/dialect.ts';

/** `quality.history` in dataops.yml (history/open.ts opens it). */
export const historyConfigSchema = z
  .strictObject({
    store: z.enum(['local', 'git']).default('local').describe('local: a directory of Parquet files; git: a branch of this repository (recording needs permissions contents: write).'),
    path: z.string().min(1).default('.dataops/history').describe('local store: its directory, relative to dataops.yml, inside the project.'),
    branch: z.string().min(1).default('dataops-history').describe('git store: the branch holding the history.'),
  })
  .describe('Quality history: every run is recorded; fail_on: new, anomaly checks and schema contracts compare with it.');
export type HistoryConfig = z.output<typeof historyConfigSchema>;

/** `quality:` in dataops.yml: which suites run in the quality stage and how the outcome is decided. */
export const qualityConfigSchema = z
  .strictObject({
    suites: z.array(z.string().min(1)).min(1).describe('Suite files, relative to dataops.yml, inside the project.'),
    fail_on: failOnSchema.default('error').describe('Which check outcome fails the stage: error (default), warn, never, or new (only checks failing anew against the base branch in the quality history).'),
    history: historyConfigSchema.optional(),
    samples: z.number().int().min(0).max(100).default(5).describe('Failing sample rows kept per check.'),
    memory_limit: engineMemoryLimitSchema.optional().describe('DuckDB memory_limit, e.g. "1GB"; larger inputs spill to temp_directory.'),
    engine: z.enum(ENGINE_KINDS as [EngineKind, ...EngineKind[]]).optional().describe('Where the checks run: duckdb (files on the runner, the default), or postgres / bigquery (the datasets\' table: in a warehouse of connections:).'),
    connection: identifierSchema.optional().describe('Connection (under connections:) the warehouse engine uses. Default: the datasets\' connection:, else the only one of that type.'),
  })
  .describe('Data-quality stage.');

/** @public The validated section, for code that reads it (knip: not yet imported elsewhere). */
export type QualityConfig = z.output<typeof qualityConfigSchema>;

/** `datasets:` in dataops.yml: named datasets every suite of the project can use. */
export const projectDatasetsSchema = z.record(identifierSchema, datasetSchema);
