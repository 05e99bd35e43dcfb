/**
 * Field formats shared by every file format and input of the toolkit (dataops.yml, quality suites,
 * action inputs, CLI flags), each written once as a zod schema: names of datasets, checks and
 * variables; engine and container memory sizes; durations; GitHub `owner/repo` names. Inputs and
 * files that take the same kind of value validate it with the same schema, so a value one place
 * accepts is never refused (or silently misread) by another.
 */
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { FORMATS } from './formats.ts';

/** A data file format (formats.ts: csv, tsv, parquet, json, ndjson). */
export const formatSchema = z.enum(FORMATS);

/** Letters, digits and `_`, not starting with a digit: dataset, suite and check names, variable names. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** An {@link IDENTIFIER}. */
export const identifierSchema = z.string().regex(IDENTIFIER, 'use letters, digits and "_", not starting with a digit');

/**
 * A DuckDB `memory_limit`: a number and a unit as DuckDB spells it (`256MB`, `1GB`, `1.5GiB`,
 * `512kb`, `100B`). The `i` of the binary units is lower case: DuckDB refuses `2GIB`, so the
 * toolkit refuses it where it is written instead of in every suite run.
 */
export const ENGINE_MEMORY_LIMIT = /^\d+(\.\d+)?\s*([KMGTkmgt]i?[Bb]|[Bb])$/;
/** An {@link ENGINE_MEMORY_LIMIT}. */
export const engineMemoryLimitSchema = z.string().regex(ENGINE_MEMORY_LIMIT, 'write a size like "256MB", "1GB" or "1.5GiB"');

/** A container memory limit as docker/podman `--memory` takes it: a number and an optional unit b, k, m or g (`512m`, `2g`). */
export const CONTAINER_MEMORY = /^\d+(\.\d+)?[bkmgBKMG]?$/;
/** A {@link CONTAINER_MEMORY} size. */
export const containerMemorySchema = z.string().regex(CONTAINER_MEMORY, 'write a size like "512m" or "2g"');

/** A duration: a number and a unit s, m, h, d or w (`30s`, `90m`, `36h`, `7d`, `2w`). */
export const DURATION = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/;
/** A {@link DURATION}. */
export const durationSchema = z.string().regex(DURATION, 'write a duration like "90m", "36h" or "7d"');

const UNIT_MS = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 } as const;

/**
 * Milliseconds of a {@link DURATION} (`90m` → 5 400 000).
 * @throws ConfigError naming `field` for anything else.
 */
export function parseDuration(value: string, field = 'duration'): number {
  const m = DURATION.exec(value.trim());
  if (!m) throw new ConfigError(`invalid duration "${value}"`, { location: { field }, fix: 'Write a duration like "90m", "36h" or "7d".' });
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** A GitHub repository name, `owner/repo` (letters, digits, `_`, `.`, `-`; GitHub compares them case-insensitively). */
export const REPOSITORY = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;
/** A {@link REPOSITORY} name. */
export const repositorySchema = z.string().regex(REPOSITORY, 'write owner/repo, e.g. octo-org/pipeline');

/**
 * `owner/repo` split and checked.
 * @throws ConfigError naming `field` for anything else.
 */
export function parseRepository(value: string, field = 'repository'): { owner: string; repo: string } {
  const m = REPOSITORY.exec(value);
  if (!m) throw new ConfigError(`"${value}" is not an owner/repo name`, { location: { field }, fix: 'Write it as owner/repo, e.g. octo-org/pipeline.' });
  return { owner: m[1]!, repo: m[2]! };
}
