/**
 * Golden comparisons: an output file of the system-tested image against its expected copy, in
 * DuckDB. Each comparison yields checks of the quality-report family:
 * - `golden_row_count`: same number of rows;
 * - `golden_schema`: same columns and types (missing / extra / changed);
 * - `golden_keys` (with `key`): same key set, no duplicate keys (samples of keys only on one side);
 * - `golden_aggregates`: sum, avg, min and max of every compared numeric column within tolerance;
 * - `golden_values` (with `key`): per-row values joined on the key, numbers within tolerance,
 *   other values equal (NULL equals NULL).
 * Tolerance rule: `|output - expected| <= max(absolute, relative * |expected|)` plus a float
 * rounding slack of 1e-12 relative, so sums added up in another row order still compare equal.
 *
 * The image under test writes the outputs, so they are untrusted: a file is read only when its
 * real path (symlinks followed) lies inside the output directory (expected files: inside the
 * expected directory) and is neither `.git` nor a credential file (docs/quality.md), through the
 * quality suites' readers, on an engine locked to exactly
 * those files; reader error texts are scrubbed of echoed rows and quoted values.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { sha256File } from '../hash.ts';
import { ident, literal, openEngine, type Engine, type Row } from '../engine/duckdb.ts';
import { readerSql } from '../quality/compile.ts';
import { checkPath } from '../paths.ts';
import { MASK, maskRow, scrubEngineError } from '../quality/mask.ts';
import type { CheckResult, CheckStatus, DatasetReport } from '../quality/report.ts';
import type { DatasetFormat } from '../quality/suite.ts';
import type { GoldenComparison, Tolerance } from '../image/system-test-config.ts';
import { goldenComparisonSchema, type GoldenComparisonInput } from '../image/system-test-config.ts';

/** Value shown instead of a PII column's content in samples (the quality reports' mask). */
export { MASK };
/** Relative slack added to every tolerance for float rounding (sums in another order). */
export const FLOAT_SLACK = 1e-12;

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
  /** An open engine to use (left open); by default one is opened and closed. */
  engine?: Engine;
}

/** What the comparisons found: datasets read and one check per comparison aspect. */
export interface GoldenResult {
  datasets: DatasetReport[];
  checks: CheckResult[];
  /** Engine that compared, e.g. `duckdb v1.5.6` (absent for no comparison). */
  engine?: string;
}

/** True when `output` is within `tol` of `expected` (see module doc); two NULLs are equal, one NULL is not. */
export function withinTolerance(output: number | null, expected: number | null, tol: Tolerance): boolean {
  if (output === null || expected === null) return output === expected;
  if (Number.isNaN(output) || Number.isNaN(expected)) return Number.isNaN(output) && Number.isNaN(expected);
  if (output === expected) return true;
  const allowed = Math.max(tol.absolute, tol.relative * Math.abs(expected)) + FLOAT_SLACK * Math.max(Math.abs(output), Math.abs(expected));
  return Math.abs(output - expected) <= allowed;
}

/** Format of a data file from its extension. @throws ConfigError for an unknown extension. */
export function formatOf(file: string, field = 'format'): DatasetFormat {
  const ext = path.extname(file).toLowerCase();
  const byExt: Record<string, DatasetFormat> = { '.csv': 'csv', '.tsv': 'tsv', '.parquet': 'parquet', '.pq': 'parquet', '.json': 'json', '.ndjson': 'ndjson', '.jsonl': 'ndjson' };
  const format = byExt[ext];
  if (!format) throw new ConfigError(`cannot tell the format of "${file}" from its extension`, { location: { field }, fix: 'Set "format" (csv, tsv, parquet, json or ndjson).' });
  return format;
}

/** DuckDB table function reading `file` in `format`: the quality suites' reader, with a header row for CSV/TSV. */
export function readExpression(file: string, format: DatasetFormat): string {
  return readerSql([file], format, format === 'csv' || format === 'tsv' ? { header: true } : {});
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

/** `expr AS "name"`, dates and times as text (`2001-01-01`, not a midnight timestamp) for samples and messages. */
function display(name: string, expr: string, type: string): string {
  return /^(DATE|TIME|TIMESTAMP)/i.test(type) ? `${expr}::VARCHAR AS ${ident(name)}` : `${expr} AS ${ident(name)}`;
}

const NUMERIC = /^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|REAL|DECIMAL(\(.*\))?)$/i;
/** True for DuckDB numeric column types (integers, floats, decimals). */
export function isNumericType(type: string): boolean {
  return NUMERIC.test(type.trim());
}

function keyColumns(c: GoldenComparison): string[] {
  if (!c.key) return [];
  return Array.isArray(c.key) ? c.key : [c.key];
}

function fmt(n: number | null): string {
  if (n === null) return 'NULL';
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(10)));
}

function tolText(t: Tolerance): string {
  if (t.absolute === 0 && t.relative === 0) return 'exact';
  const parts = [];
  if (t.absolute) parts.push(`±${t.absolute}`);
  if (t.relative) parts.push(`±${t.relative * 100}%`);
  return parts.join(' or ');
}

/** A loaded side of a comparison. */
interface Side {
  table: string;
  file: string;
  rows: number;
  schema: Array<{ name: string; type: string }>;
}

/**
 * Runs every comparison and returns the checks (4 per comparison without a key, 5 with one).
 * A missing output file fails its checks (the image did not produce it); an unreadable file or an
 * unknown key column makes them `error`.
 * @throws ConfigError for an invalid comparison or an unknown file extension.
 */
export async function compareGolden(opts: GoldenOptions): Promise<GoldenResult> {
  const comparisons = opts.comparisons.map((c, i) => {
    const parsed = goldenComparisonSchema.safeParse(c);
    if (!parsed.success) throw new ConfigError(parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; '), { location: { field: `compare[${i}]` } });
    return parsed.data;
  });
  const files = comparisons.map((c) => ({
    out: confine(path.resolve(opts.outputDir, c.output), opts.outputDir),
    exp: confine(path.resolve(opts.expectedDir, c.expected ?? c.output), opts.expectedDir),
  }));
  const engine = opts.engine ?? (await openEngine());
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

async function compareOne(engine: Engine, c: GoldenComparison, index: number, opts: GoldenOptions, real: { out: string; exp: string }): Promise<GoldenResult> {
  const name = comparisonName(c);
  const samples = opts.samples ?? 5;
  const pii = new Set(c.pii);
  const keys = keyColumns(c);
  const ignored = new Set(c.ignore_columns);
  const outFile = path.resolve(opts.outputDir, c.output);
  const expFile = path.resolve(opts.expectedDir, c.expected ?? c.output);
  const format = c.format ?? formatOf(c.output, `compare[${index}].format`);
  const aspects = ['golden_row_count', 'golden_schema', ...(keys.length ? ['golden_keys'] : []), 'golden_aggregates', ...(keys.length ? ['golden_values'] : [])];
  const checks: CheckResult[] = [];
  const datasets: DatasetReport[] = [];
  const base = (type: string, columns: string[]): Omit<CheckResult, 'status' | 'message' | 'failing_rows' | 'total_rows' | 'samples' | 'duration_ms'> => ({
    id: `${type}_${name}`,
    type,
    dataset: name,
    columns,
    severity: c.severity,
    description: `${c.output} against ${path.relative(opts.expectedDir, expFile) || c.output}`,
    threshold: {},
  });
  const allFailed = (status: CheckStatus, message: string, error?: string): GoldenResult => ({
    datasets,
    checks: aspects.map((type) => ({ ...base(type, []), status, failing_rows: null, total_rows: null, samples: [], message, ...(error ? { error } : {}), duration_ms: 0 })),
  });

  const load = async (file: string, resolved: string, table: string, label: string): Promise<Side | string> => {
    const report: DatasetReport = { name: label, kind: 'file', source: file, format, files: [path.basename(file)], row_count: null, content_hash: null };
    datasets.push(report);
    if (REFUSED.has(resolved)) {
      report.error = resolved === 'missing' ? 'file not found' : resolved === 'outside' ? 'leads outside its directory: not read' : 'a credential file: not read';
      report.files = [];
      return resolved;
    }
    try {
      await engine.run(`CREATE OR REPLACE TEMP TABLE ${ident(table)} AS SELECT * FROM ${readExpression(resolved, format)}`);
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
  };

  const out = await load(outFile, real.out, `golden_out_${index}`, name);
  const exp = await load(expFile, real.exp, `golden_exp_${index}`, `${name} (expected)`);
  if (typeof exp === 'string') {
    return exp === 'missing'
      ? allFailed('error', `expected file ${expFile} not found`, 'expected file not found')
      : exp === 'outside'
        ? allFailed('error', `expected file ${expFile} leads outside ${opts.expectedDir}: not read`, 'expected file outside its directory')
        : exp === 'credential'
          ? allFailed('error', `expected file ${expFile} is a credential file: not read`, 'expected file is a credential file')
          : allFailed('error', `cannot read the expected file ${expFile}`, exp);
  }
  if (out === 'missing') return allFailed('fail', `the image did not write ${c.output} to its output directory`);
  if (out === 'outside') return allFailed('fail', `the image wrote ${c.output} as a symbolic link leading outside its output directory: not read`);
  if (out === 'credential') return allFailed('fail', `the output ${c.output} has the name of a credential file: not read`);
  if (typeof out === 'string') return allFailed('fail', `the output ${c.output} cannot be read as ${format}: ${out}`);

  const outTypes = new Map(out.schema.map((s) => [s.name, s.type]));
  const expTypes = new Map(exp.schema.map((s) => [s.name, s.type]));
  const T = (s: Side) => ident(s.table);

  // golden_row_count
  {
    const started = performance.now();
    const ok = out.rows === exp.rows;
    checks.push({
      ...base('golden_row_count', []),
      threshold: { expected: exp.rows },
      status: ok ? 'pass' : 'fail',
      failing_rows: ok ? 0 : 1,
      total_rows: out.rows,
      samples: [],
      message: ok ? `${out.rows} rows, as expected` : `${out.rows} rows, expected ${exp.rows} (${out.rows > exp.rows ? '+' : ''}${out.rows - exp.rows})`,
      duration_ms: performance.now() - started,
    });
  }

  // golden_schema
  {
    const started = performance.now();
    const diffs: Row[] = [];
    for (const { name: col, type } of exp.schema) {
      if (ignored.has(col)) continue;
      const got = outTypes.get(col);
      if (got === undefined) diffs.push({ column: col, issue: 'missing', expected_type: type, output_type: null });
      else if (c.compare_types && got !== type) diffs.push({ column: col, issue: 'type changed', expected_type: type, output_type: got });
    }
    const extra = out.schema.filter((s) => !ignored.has(s.name) && !expTypes.has(s.name));
    if (!c.allow_extra_columns) for (const s of extra) diffs.push({ column: s.name, issue: 'extra', expected_type: null, output_type: s.type });
    const parts = (issue: string) => diffs.filter((d) => d.issue === issue).map((d) => (issue === 'type changed' ? `${String(d.column)} ${String(d.expected_type)} → ${String(d.output_type)}` : String(d.column)));
    const missing = parts('missing');
    const changed = parts('type changed');
    const extras = parts('extra');
    const compared = exp.schema.filter((s) => !ignored.has(s.name));
    checks.push({
      ...base('golden_schema', compared.map((s) => s.name)),
      threshold: { allow_extra_columns: c.allow_extra_columns, compare_types: c.compare_types, ignore_columns: c.ignore_columns },
      status: diffs.length ? 'fail' : 'pass',
      failing_rows: diffs.length,
      total_rows: compared.length,
      samples: diffs.slice(0, Math.max(samples, 0)),
      message: diffs.length
        ? [missing.length ? `missing columns: ${missing.join(', ')}` : '', extras.length ? `extra columns: ${extras.join(', ')}` : '', changed.length ? `type changed: ${changed.join(', ')}` : ''].filter(Boolean).join('; ')
        : `${compared.length} columns with the expected ${c.compare_types ? 'names and types' : 'names'}${extra.length ? ` (${extra.length} extra allowed)` : ''}`,
      duration_ms: performance.now() - started,
    });
  }

  // columns compared by value: explicit list, else common non-key non-ignored columns
  const valueColumns = (c.columns ?? exp.schema.map((s) => s.name)).filter((col) => !keys.includes(col) && !ignored.has(col));
  const unknownValue = valueColumns.filter((col) => !expTypes.has(col) || !outTypes.has(col));
  const comparable = valueColumns.filter((col) => expTypes.has(col) && outTypes.has(col));
  const tolOf = (col: string): Tolerance => c.column_tolerance[col] ?? c.tolerance;
  const numeric = comparable.filter((col) => isNumericType(expTypes.get(col)!) && isNumericType(outTypes.get(col)!));

  // golden_keys
  let keysOk = true;
  if (keys.length) {
    const started = performance.now();
    const absent = keys.filter((k) => !outTypes.has(k) || !expTypes.has(k));
    if (absent.length) {
      keysOk = false;
      checks.push({
        ...base('golden_keys', keys),
        status: 'error',
        failing_rows: null,
        total_rows: null,
        samples: [],
        message: `key column(s) ${absent.join(', ')} missing from ${absent.some((k) => !expTypes.has(k)) ? 'the expected file' : 'the output'}`,
        error: `unknown key column(s): ${absent.join(', ')}`,
        duration_ms: performance.now() - started,
      });
    } else {
      const kl = keys.map(ident).join(', ');
      const count = async (sql: string) => Number((await engine.query<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM (${sql})`))[0]?.n ?? 0);
      const shown = (extra = '') => `${keys.map((k) => display(k, ident(k), expTypes.get(k)!)).join(', ')}${extra}`;
      const sample = async (sql: string, side: string, extra = '') => (samples > 0 ? (await engine.query(`SELECT ${literal(side)} AS side, ${shown(extra)} FROM (${sql}) ORDER BY ALL LIMIT ${samples}`)).map((r) => maskRow(r, pii)) : []);
      // cast keys to the expected types so EXCEPT works across sniffed types
      const outKeys = `SELECT ${keys.map((k) => `TRY_CAST(${ident(k)} AS ${expTypes.get(k)!}) AS ${ident(k)}`).join(', ')} FROM ${T(out)}`;
      const expKeys = `SELECT ${kl} FROM ${T(exp)}`;
      const onlyOut = `${outKeys} EXCEPT ${expKeys}`;
      const onlyExp = `${expKeys} EXCEPT ${outKeys}`;
      const dupOut = `SELECT ${kl}, count(*) AS occurrences FROM ${T(out)} GROUP BY ALL HAVING count(*) > 1`;
      const dupExp = `SELECT ${kl}, count(*) AS occurrences FROM ${T(exp)} GROUP BY ALL HAVING count(*) > 1`;
      const [nOut, nExp, nDupOut, nDupExp] = [await count(onlyOut), await count(onlyExp), await count(dupOut), await count(dupExp)];
      const rows: Row[] = [...(await sample(onlyOut, 'only_in_output')), ...(await sample(onlyExp, 'only_in_expected')), ...(await sample(dupOut, 'duplicate_in_output', ', occurrences')), ...(await sample(dupExp, 'duplicate_in_expected', ', occurrences'))];
      const failing = nOut + nExp + nDupOut + nDupExp;
      keysOk = failing === 0;
      const what = [nOut ? `${nOut} key(s) only in the output` : '', nExp ? `${nExp} key(s) only in the expected file` : '', nDupOut ? `${nDupOut} duplicate key(s) in the output` : '', nDupExp ? `${nDupExp} duplicate key(s) in the expected file` : ''].filter(Boolean);
      const fmtKey = (r: Row) => keys.map((k) => String(r[k])).join('/');
      const firstOut = rows.find((r) => r.side === 'only_in_output');
      const firstExp = rows.find((r) => r.side === 'only_in_expected');
      checks.push({
        ...base('golden_keys', keys),
        threshold: { key: keys },
        status: failing ? 'fail' : 'pass',
        failing_rows: failing,
        total_rows: out.rows,
        samples: rows.slice(0, Math.max(samples, 0)),
        message: failing
          ? `${what.join(', ')}${firstOut ? `; e.g. output has ${fmtKey(firstOut)}` : ''}${firstExp ? `; e.g. expected has ${fmtKey(firstExp)}` : ''}`
          : `the ${out.rows} keys (${keys.join(', ')}) match the expected set`,
        duration_ms: performance.now() - started,
      });
    }
  }

  // golden_aggregates
  {
    const started = performance.now();
    const aggs = ['sum', 'avg', 'min', 'max'] as const;
    const select = () => (numeric.length ? numeric.flatMap((col) => aggs.map((a) => `${a}(${ident(col)})::DOUBLE AS ${ident(`${a}:${col}`)}`)).join(', ') : '1 AS none');
    const [o] = await engine.query(`SELECT ${select()} FROM ${T(out)}`);
    const [e] = await engine.query(`SELECT ${select()} FROM ${T(exp)}`);
    const mismatches: Row[] = [];
    for (const col of numeric) {
      for (const a of aggs) {
        const ov = o?.[`${a}:${col}`] as number | null;
        const ev = e?.[`${a}:${col}`] as number | null;
        if (!withinTolerance(toNum(ov), toNum(ev), tolOf(col))) {
          mismatches.push({ column: col, aggregate: a, output: pii.has(col) ? MASK : ov, expected: pii.has(col) ? MASK : ev, difference: pii.has(col) || ov === null || ev === null ? null : Number(ov) - Number(ev), tolerance: tolText(tolOf(col)) });
        }
      }
    }
    const status: CheckStatus = unknownValue.length ? 'error' : mismatches.length ? 'fail' : 'pass';
    checks.push({
      ...base('golden_aggregates', numeric),
      threshold: { tolerance: c.tolerance, ...(Object.keys(c.column_tolerance).length ? { column_tolerance: c.column_tolerance } : {}) },
      status,
      failing_rows: unknownValue.length ? null : mismatches.length,
      total_rows: numeric.length * aggs.length,
      samples: mismatches.slice(0, Math.max(samples, 0)),
      message: unknownValue.length
        ? `column(s) ${unknownValue.join(', ')} not in both files`
        : mismatches.length
          ? `${mismatches.length} of ${numeric.length * aggs.length} aggregates outside tolerance: ${mismatches
              .slice(0, 3)
              .map((m) => `${m.aggregate as string}(${m.column as string}) = ${pii.has(m.column as string) ? MASK : fmt(toNum(m.output))}, expected ${pii.has(m.column as string) ? MASK : fmt(toNum(m.expected))} (${m.tolerance as string})`)
              .join('; ')}`
          : numeric.length
            ? `sum, avg, min and max of ${numeric.length} numeric column(s) within tolerance (${tolText(c.tolerance)})`
            : 'no numeric columns to aggregate',
      ...(unknownValue.length ? { error: `unknown column(s): ${unknownValue.join(', ')}` } : {}),
      duration_ms: performance.now() - started,
    });
  }

  // golden_values
  if (keys.length) {
    const started = performance.now();
    if (!keysOk && checks.some((x) => x.type === 'golden_keys' && x.status === 'error')) {
      checks.push({ ...base('golden_values', comparable), status: 'error', failing_rows: null, total_rows: null, samples: [], message: 'not compared: key columns missing', error: 'unknown key column(s)', duration_ms: 0 });
    } else {
      const on = keys.map((k) => `o.${ident(k)} IS NOT DISTINCT FROM TRY_CAST(e.${ident(k)} AS ${outTypes.get(k)!})`).join(' AND ');
      const differs = (col: string): string => {
        const o = `o.${ident(col)}`;
        const e = `e.${ident(col)}`;
        if (numeric.includes(col)) {
          const t = tolOf(col);
          const od = `${o}::DOUBLE`;
          const ed = `${e}::DOUBLE`;
          return `NOT coalesce((${o} IS NULL AND ${e} IS NULL) OR ${od} = ${ed} OR abs(${od} - ${ed}) <= greatest(${t.absolute}::DOUBLE, ${t.relative}::DOUBLE * abs(${ed})) + ${FLOAT_SLACK} * greatest(abs(${od}), abs(${ed})), false)`;
        }
        return outTypes.get(col) === expTypes.get(col) ? `${o} IS DISTINCT FROM ${e}` : `${o}::VARCHAR IS DISTINCT FROM ${e}::VARCHAR`;
      };
      const joined = `FROM ${T(out)} o JOIN ${T(exp)} e ON ${on}`;
      let failing = 0;
      let matched = 0;
      let rows: Row[] = [];
      if (comparable.length) {
        const [n] = await engine.query<{ n: number; m: number }>(`SELECT count(*) FILTER (WHERE ${comparable.map(differs).join(' OR ')})::BIGINT AS n, count(*)::BIGINT AS m ${joined}`);
        failing = Number(n?.n ?? 0);
        matched = Number(n?.m ?? 0);
        if (failing && samples > 0) {
          const union = comparable
            .map((col) => `SELECT ${keys.map((k) => display(k, `o.${ident(k)}`, outTypes.get(k)!)).join(', ')}, ${literal(col)} AS "column", o.${ident(col)}::VARCHAR AS "output", e.${ident(col)}::VARCHAR AS "expected" ${joined} WHERE ${differs(col)}`)
            .join(' UNION ALL ');
          rows = (await engine.query(`SELECT * FROM (${union}) ORDER BY ALL LIMIT ${samples}`)).map((r) => {
            const masked = maskRow(r, pii);
            if (pii.has(String(r.column))) {
              masked.output = r.output === null ? null : MASK;
              masked.expected = r.expected === null ? null : MASK;
            }
            return masked;
          });
        }
      } else {
        const [n] = await engine.query<{ m: number }>(`SELECT count(*)::BIGINT AS m ${joined}`);
        matched = Number(n?.m ?? 0);
      }
      const first = rows[0];
      checks.push({
        ...base('golden_values', comparable),
        threshold: { tolerance: c.tolerance, ...(Object.keys(c.column_tolerance).length ? { column_tolerance: c.column_tolerance } : {}) },
        status: unknownValue.length ? 'error' : failing ? 'fail' : 'pass',
        failing_rows: unknownValue.length ? null : failing,
        total_rows: matched,
        samples: rows,
        message: unknownValue.length
          ? `column(s) ${unknownValue.join(', ')} not in both files`
          : failing
            ? `${failing} of ${matched} rows matched on ${keys.join(', ')} differ${first ? `; e.g. ${keys.map((k) => String(first[k])).join('/')}: ${String(first.column)} = ${String(first.output)}, expected ${String(first.expected)}` : ''}`
            : `${matched} rows matched on ${keys.join(', ')}: ${comparable.length} column(s) equal${numeric.length ? ` (numeric tolerance: ${tolText(c.tolerance)})` : ''}`,
        ...(unknownValue.length ? { error: `unknown column(s): ${unknownValue.join(', ')}` } : {}),
        duration_ms: performance.now() - started,
      });
    }
  }
  return { datasets, checks };
}

function toNum(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'number' ? v : Number(v);
}
