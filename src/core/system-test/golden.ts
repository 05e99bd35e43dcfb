/**
 * Golden comparisons: an output file of the system-tested image against its expected copy, in
 * DuckDB. Both files are loaded here; the checks of each comparison (row count, schema, keys,
 * aggregates, values) are golden-checks.ts's.
 *
 * The image under test writes the outputs, so they are untrusted: a file is read only when its
 * real path (symlinks followed) lies inside the output directory (expected files: inside the
 * expected directory) and is neither `.git` nor a credential file (docs/quality.md), through the
 * same readers as quality suites (src/core/formats.ts: a suite over an output types it as the
 * comparison does), on an engine locked to exactly those files; reader error texts are scrubbed
 * of echoed rows and quoted values.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, type ErrorLocation } from '../errors.ts';
import { openEngine, type Engine, type EngineOptions } from '../engine/duckdb.ts';
import { ident } from '../engine/quote.ts';
import { formatFromPath, readerSql, type DatasetFormat } from '../formats.ts';
import { sha256File } from '../hash.ts';
import { goldenComparisonSchema, type GoldenComparison, type GoldenComparisonInput } from '../image/system-test-config.ts';
import { checkPath } from '../paths.ts';
import { scrubEngineError } from '../quality/mask.ts';
import type { DatasetSpec } from '../quality/suite.ts';
import type { CheckResult, CheckStatus, DatasetReport } from '../report/report.ts';
import { aggregatesCheck, keysCheck, rowCountCheck, schemaCheck, valueColumns, valuesCheck, type Pair, type Side } from './golden-checks.ts';

/** Options of {@link compareGolden}. */
export interface GoldenOptions {
  /** Directory the container wrote its outputs to. */
  outputDir: string;
  /** Directory of expected outputs. */
  expectedDir: string;
  /** Comparisons as in `image.system_test.compare` (validated and defaulted here). */
  comparisons: Array<GoldenComparison | GoldenComparisonInput>;
  /** Failing samples kept per check. Default 5. */
  samples?: number;
  /** An open engine to use (left open); by default one is opened (with `engineOptions`) and closed. */
  engine?: Engine;
  engineOptions?: EngineOptions;
}

/** What the comparisons found: datasets read and one check per comparison aspect. */
export interface GoldenResult {
  datasets: DatasetReport[];
  checks: CheckResult[];
  /** Engine that compared, e.g. `duckdb v1.5.6` (absent for no comparison). */
  engine?: string;
}

/**
 * Validates comparisons (defaults applied). `location` places the error of the `i`-th one (dataops.yml line).
 * @throws ConfigError naming the comparison and its invalid fields.
 */
export function parseComparisons(comparisons: ReadonlyArray<GoldenComparison | GoldenComparisonInput>, location: (i: number) => ErrorLocation = (i) => ({ field: `compare[${i}]` })): GoldenComparison[] {
  return comparisons.map((c, i) => {
    const parsed = goldenComparisonSchema.safeParse(c);
    if (!parsed.success) throw new ConfigError(parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; '), { location: location(i) });
    return parsed.data;
  });
}

/**
 * The format of a comparison's files: `format`, else from the output's extension (the table of
 * src/core/formats.ts that suites use too).
 * @throws ConfigError naming `field` for an extension that names no format.
 */
export function comparisonFormat(c: Pick<GoldenComparison, 'format' | 'output'>, field = 'format'): DatasetFormat {
  const format = c.format ?? formatFromPath(c.output);
  if (!format) throw new ConfigError(`cannot tell the format of "${c.output}" from its extension`, { location: { field }, fix: 'Set "format" (csv, tsv, parquet, json or ndjson).' });
  return format;
}

/**
 * A compared output as a dataset of the output suites: its file in `outputDir`, read as the
 * comparison reads it (same format, same reader).
 */
export function comparisonDataset(c: GoldenComparison, outputDir: string): DatasetSpec {
  return { path: path.resolve(outputDir, c.output), format: comparisonFormat(c) };
}

/** A file's real path, or why it is not read. */
type Confined = string;
/**
 * `file`'s real path when it lies inside `dir` (symlinks followed) and is neither `.git` nor a
 * credential file (see checkPath in ../paths.ts); else `missing`, `outside` or `credential`.
 */
function confine(file: string, dir: string): Confined {
  const c = checkPath(file, [dir], 'its directory');
  if (c.refused !== undefined) return c.credential ? 'credential' : 'outside';
  if (c.real === c.root) return 'outside';
  return existsSync(c.real) ? c.real : 'missing';
}

const REFUSED = new Set(['missing', 'outside', 'credential']);

/** Name of a comparison's dataset: `name`, else the output file name without extension. */
export function comparisonName(c: Pick<GoldenComparison, 'name' | 'output'>): string {
  if (c.name) return c.name;
  const base = path.basename(c.output).replace(/\.[^.]*$/, '');
  const cleaned = base.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

function keyColumns(c: GoldenComparison): string[] {
  if (!c.key) return [];
  return Array.isArray(c.key) ? c.key : [c.key];
}

/**
 * Runs every comparison and returns the checks (4 per comparison without a key, 5 with one).
 * A missing output file fails its checks (the image did not produce it); an unreadable file or an
 * unknown key column makes them `error`.
 * @throws ConfigError for an invalid comparison or an unknown file extension.
 */
export async function compareGolden(opts: GoldenOptions): Promise<GoldenResult> {
  const comparisons = parseComparisons(opts.comparisons);
  const files = comparisons.map((c) => ({
    out: confine(path.resolve(opts.outputDir, c.output), opts.outputDir),
    exp: confine(path.resolve(opts.expectedDir, c.expected ?? c.output), opts.expectedDir),
  }));
  const engine = opts.engine ?? (await openEngine(opts.engineOptions));
  const result: GoldenResult = { datasets: [], checks: [], engine: engine.version };
  try {
    // an engine of our own reads exactly the compared files (a caller's engine is the caller's to lock)
    if (!opts.engine) await engine.lock({ allowedPaths: files.flatMap((f) => [f.out, f.exp]).filter((f) => !REFUSED.has(f)) });
    for (const [i, c] of comparisons.entries()) {
      const r = await compareOne(engine, c, i, opts, files[i]!);
      result.datasets.push(...r.datasets);
      result.checks.push(...r.checks);
    }
  } finally {
    if (!opts.engine) engine.close();
  }
  return result;
}

/**
 * Loads `resolved` (the real path, or why it is not read) into temp table `table` and records it
 * in `datasets`. @returns the side, or why it was not read / the scrubbed reader error.
 */
async function loadSide(engine: Engine, file: string, resolved: string, table: string, label: string, format: DatasetFormat, datasets: DatasetReport[]): Promise<Side | string> {
  const report: DatasetReport = { name: label, kind: 'file', source: file, format, files: [path.basename(file)], row_count: null, content_hash: null };
  datasets.push(report);
  if (REFUSED.has(resolved)) {
    report.error = resolved === 'missing' ? 'file not found' : resolved === 'outside' ? 'leads outside its directory: not read' : 'a credential file: not read';
    report.files = [];
    return resolved;
  }
  try {
    await engine.run(`CREATE OR REPLACE TEMP TABLE ${ident(table)} AS SELECT * FROM ${readerSql([resolved], format)}`);
    const [count] = await engine.query<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${ident(table)}`);
    const schema = (await engine.query<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${ident(table)}`)).map((r) => ({ name: r.column_name, type: r.column_type }));
    report.row_count = Number(count?.n ?? 0);
    report.content_hash = await sha256File(resolved);
    return { table, file, rows: report.row_count, schema };
  } catch (err) {
    // reader errors echo rows (Original Line: …) and quote values: keep the engine's statement only
    report.error = scrubEngineError(err instanceof Error ? err.message : String(err), (q) => q === resolved || q === file);
    return report.error;
  }
}

/** The checks of one comparison: both files loaded, then each aspect (golden-checks.ts). */
async function compareOne(engine: Engine, c: GoldenComparison, index: number, opts: GoldenOptions, real: { out: string; exp: string }): Promise<GoldenResult> {
  const name = comparisonName(c);
  const keys = keyColumns(c);
  const outFile = path.resolve(opts.outputDir, c.output);
  const expFile = path.resolve(opts.expectedDir, c.expected ?? c.output);
  const format = comparisonFormat(c, `compare[${index}].format`);
  const datasets: DatasetReport[] = [];
  const base: Pair['base'] = (type, columns) => ({ id: `${type}_${name}`, type, dataset: name, columns, severity: c.severity, description: `${c.output} against ${path.relative(opts.expectedDir, expFile) || c.output}`, threshold: {} });
  const aspects = ['golden_row_count', 'golden_schema', ...(keys.length ? ['golden_keys'] : []), 'golden_aggregates', ...(keys.length ? ['golden_values'] : [])];
  const allFailed = (status: CheckStatus, message: string, error?: string): GoldenResult => ({
    datasets,
    checks: aspects.map((type) => ({ ...base(type, []), status, failing_rows: null, total_rows: null, samples: [], message, ...(error ? { error } : {}), duration_ms: 0 })),
  });

  const out = await loadSide(engine, outFile, real.out, `golden_out_${index}`, name, format, datasets);
  const exp = await loadSide(engine, expFile, real.exp, `golden_exp_${index}`, `${name} (expected)`, format, datasets);
  if (exp === 'missing') return allFailed('error', `expected file ${expFile} not found`, 'expected file not found');
  if (exp === 'outside') return allFailed('error', `expected file ${expFile} leads outside ${opts.expectedDir}: not read`, 'expected file outside its directory');
  if (exp === 'credential') return allFailed('error', `expected file ${expFile} is a credential file: not read`, 'expected file is a credential file');
  if (typeof exp === 'string') return allFailed('error', `cannot read the expected file ${expFile}`, exp);
  if (out === 'missing') return allFailed('fail', `the image did not write ${c.output} to its output directory`);
  if (out === 'outside') return allFailed('fail', `the image wrote ${c.output} as a symbolic link leading outside its output directory: not read`);
  if (out === 'credential') return allFailed('fail', `the output ${c.output} has the name of a credential file: not read`);
  if (typeof out === 'string') return allFailed('fail', `the output ${c.output} cannot be read as ${format}: ${out}`);

  const pair: Pair = { engine, c, out, exp, keys, pii: new Set(c.pii), samples: opts.samples ?? 5, base };
  const v = valueColumns(pair);
  const checks: CheckResult[] = [await rowCountCheck(pair), await schemaCheck(pair, v)];
  const keyCheck = keys.length ? await keysCheck(pair, v) : undefined;
  if (keyCheck) checks.push(keyCheck);
  checks.push(await aggregatesCheck(pair, v));
  if (keyCheck) checks.push(await valuesCheck(pair, v, keyCheck));
  return { datasets, checks };
}
