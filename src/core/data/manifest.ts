/**
 * The data manifest (format version 1): one dataset's version as a run read it. Where it is
 * (location, matched files), what it is (content hash, row count, schema) and what it looks like
 * (per-column profile, profile.ts). Quality, system test and verify runs write one per dataset;
 * push attaches them to the image digest; promotion carries their digests; `dataops data show`
 * prints them and `dataops data diff` compares two.
 *
 * The document holds no time and no run id: the same data read by the same tool version gives
 * the same bytes, so its digest ({@link manifestDigest}) names a data version.
 *
 * Content hash: sha256 over the sorted `sha256:<hex>` digests of the dataset's files, one per
 * line: stable under the order the files were listed or globbed in, and checkable with
 * `sha256sum` file by file (the `files` entries carry each file's digest).
 */
import { readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, ConfigErrors } from '../errors.ts';
import type { Engine } from '../engine/duckdb.ts';
import { formatSchema } from '../fields.ts';
import { readerSql, type DatasetFormat, type ReaderOptions } from '../formats.ts';
import { sha256, sha256File } from '../hash.ts';
import { TOOL } from '../report/report.ts';
import { formatPath } from '../yaml.ts';
import { columnProfileSchema, profileRelation } from './profile.ts';

/** Version of the manifest document format. */
export const DATA_MANIFEST_VERSION = 1;

/** Media type of a manifest (an OCI layer and the artifact's config use it). */
export const DATA_MANIFEST_MEDIA_TYPE = 'application/vnd.dataops.data-manifest.v1+json';

const sha256Hex = z.string().regex(/^sha256:[a-f0-9]{64}$/, 'expected sha256:<64 lower-case hex>');

/** One file of a file dataset. */
export const manifestFileSchema = z
  .strictObject({
    path: z.string().min(1).describe('Path relative to the project (or suite) directory, with "/" separators.'),
    bytes: z.number().int().min(0).describe('Size in bytes.'),
    sha256: sha256Hex.describe('sha256 of the file bytes (what `sha256sum` prints, prefixed with sha256:).'),
  })
  .describe('A file of the dataset.');
export type ManifestFile = z.output<typeof manifestFileSchema>;

export const dataManifestSchema = z
  .strictObject({
    manifest_version: z.literal(DATA_MANIFEST_VERSION).describe('Format version of this document.'),
    dataset: z
      .strictObject({
        name: z.string().min(1).describe('Dataset name (as the suite, the system test or the verification names it).'),
        kind: z.enum(['file', 'sql']).describe('file: read from files; sql: a query over other datasets.'),
        location: z.union([z.string(), z.array(z.string())]).describe('Where the data is: the path(s) or glob(s) as declared (files), or the query (sql).'),
        format: formatSchema.optional().describe('File format (file datasets).'),
        files: z.array(manifestFileSchema).optional().describe('Files matched, sorted by path (file datasets).'),
      })
      .describe('Which dataset.'),
    content_hash: sha256Hex.nullable().describe('sha256 over the sorted sha256 digests of the files, one "sha256:<hex>\\n" line each: stable under file order. null for sql datasets.'),
    row_count: z.number().int().min(0).describe('Rows read.'),
    schema: z.array(z.strictObject({ name: z.string(), type: z.string() })).describe('Columns in order: name and DuckDB type.'),
    columns: z.array(columnProfileSchema).describe('Per-column profile, in schema order.'),
    producer: z
      .strictObject({
        name: z.string().describe('Tool that wrote the manifest.'),
        version: z.string().describe('Its version.'),
        engine: z.string().describe('Engine that read the data, e.g. "duckdb v1.5.0".'),
      })
      .describe('What computed the manifest.'),
  })
  .describe('dataops-actions data manifest: one version of one dataset (location, content hash, row count, schema, per-column profile).');
export type DataManifest = z.output<typeof dataManifestSchema>;

/** A dataset to compute a manifest of. */
export interface ManifestInput {
  name: string;
  /** Paths/globs as declared (file datasets), or the query (sql datasets). */
  location: string | string[];
  /**
   * The relation to profile (SQL text: a registered view/table name, quoted, or a table function).
   * Default: the reader of `files` in `format` ({@link readerSql}).
   */
  relation?: string | undefined;
  /** Absolute paths of the dataset's files (file datasets): hashed for the content hash. */
  files?: readonly string[] | undefined;
  format?: DatasetFormat | undefined;
  /** Reader options (file datasets read through {@link readerSql}). */
  options?: ReaderOptions | undefined;
  /** Directory `files` are shown relative to. Default: the current directory. */
  root?: string | undefined;
  /** Lower-cased names of PII columns (profile.ts: counts only). */
  pii?: ReadonlySet<string> | undefined;
}

/**
 * sha256 over the sorted digests of a dataset's files, one `sha256:<hex>\n` line each: the same
 * for the same files in any order.
 */
export function contentHash(digests: readonly string[]): string {
  return sha256([...digests].sort().map((d) => `${d}\n`).join(''));
}

/**
 * Hashes files (absolute paths) in parallel, sorted by their path relative to `root` (posix separators).
 * @throws the fs error when a file is unreadable.
 */
export async function hashFiles(files: readonly string[], root: string): Promise<ManifestFile[]> {
  const out = await Promise.all(
    files.map(async (file) => ({
      path: path.relative(root, file).split(path.sep).join('/'),
      bytes: (await stat(file)).size,
      sha256: await sha256File(file),
    })),
  );
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Computes the manifest of a dataset in `engine`: profile (one aggregate scan) while the files are hashed.
 * @throws Error when neither `relation` nor `files`+`format` is given; the engine's or fs error when unreadable.
 */
export async function computeManifest(engine: Engine, input: ManifestInput): Promise<DataManifest> {
  const files = input.files ?? [];
  let relation = input.relation;
  if (!relation) {
    if (!files.length || !input.format) throw new Error(`computeManifest(${input.name}): give a relation, or files and their format`);
    relation = readerSql(files, input.format, input.options);
  }
  const root = path.resolve(input.root ?? '.');
  const [profile, hashed] = await Promise.all([profileRelation(engine, relation, { pii: input.pii }), files.length ? hashFiles(files, root) : Promise.resolve(undefined)]);
  const fileKind = hashed !== undefined;
  return {
    manifest_version: DATA_MANIFEST_VERSION,
    dataset: {
      name: input.name,
      kind: fileKind ? 'file' : 'sql',
      location: input.location,
      ...(input.format ? { format: input.format } : {}),
      ...(hashed ? { files: hashed } : {}),
    },
    content_hash: hashed ? contentHash(hashed.map((f) => f.sha256)) : null,
    row_count: profile.row_count,
    schema: profile.schema,
    columns: profile.columns,
    producer: { name: TOOL.name, version: TOOL.version, engine: engine.version },
  };
}

/** The manifest as stored (two-space JSON, trailing newline): the bytes its digest covers. */
export function serializeManifest(manifest: DataManifest): string {
  return JSON.stringify(manifest, null, 2) + '\n';
}

/** `sha256:<hex>` of {@link serializeManifest}: the manifest's digest (its OCI layer digest too). */
export function manifestDigest(manifest: DataManifest): string {
  return sha256(serializeManifest(manifest));
}

/**
 * Validates a manifest document (`file` names it in errors).
 * @throws ConfigError naming the file and field when it is not JSON or not a version-1 manifest.
 */
export function parseManifest(text: string, file: string): DataManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // the parser's message quotes the text around the error: only its position is said (the text may hold anything)
    const at = /at position (\d+)/.exec(err instanceof Error ? err.message : '')?.[1];
    throw new ConfigError(`not JSON${at ? ` (syntax error at character ${at})` : ''}`, { location: { file }, fix: 'Give a data manifest written by dataops-actions (*.data-manifest.json).' });
  }
  const parsed = dataManifestSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  throw new ConfigErrors(
    parsed.error.issues.map(
      (issue) =>
        new ConfigError(issue.message, {
          location: { file, field: formatPath(issue.path.filter((p): p is string | number => typeof p !== 'symbol')) },
          fix: 'Give a version-1 data manifest (schemas/data-manifest.schema.json).',
        }),
    ),
  );
}

/**
 * Reads and validates a manifest file.
 * @throws ConfigError when unreadable or invalid ({@link parseManifest}).
 */
export async function readManifest(file: string): Promise<DataManifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read data manifest (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { location: { file }, fix: 'Check the path.' });
  }
  return parseManifest(text, file);
}

/** File name of a dataset's manifest: `<name>.data-manifest.json`, characters outside [A-Za-z0-9._-] as `_`. */
export function manifestFileName(name: string): string {
  return `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.data-manifest.json`;
}

/**
 * Writes manifests to `dir` (created), one file each ({@link manifestFileName}).
 * @returns the written paths with each manifest's digest, in input order.
 */
export async function writeManifests(dir: string, manifests: readonly DataManifest[]): Promise<Array<{ file: string; digest: string; manifest: DataManifest }>> {
  await mkdir(dir, { recursive: true });
  const out: Array<{ file: string; digest: string; manifest: DataManifest }> = [];
  for (const manifest of manifests) {
    const file = path.join(dir, manifestFileName(manifest.dataset.name));
    const text = serializeManifest(manifest);
    await writeFile(file, text);
    out.push({ file, digest: sha256(text), manifest });
  }
  return out;
}
