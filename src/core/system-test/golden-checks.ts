/**
 * The checks of one golden comparison, once both files are loaded (golden.ts): one function per
 * aspect, each answering with a check of the quality-report family.
 * - `golden_row_count`: same number of rows;
 * - `golden_schema`: same columns and types (missing / extra / changed);
 * - `golden_keys` (with `key`): same key set, no duplicate keys (samples of keys only on one side);
 * - `golden_aggregates`: sum, avg, min and max of every compared numeric column within tolerance;
 * - `golden_values` (with `key`): per-row values joined on the key, numbers within tolerance,
 *   other values equal (NULL equals NULL).
 * Tolerance rule: `|output - expected| <= max(absolute, relative * |expected|)` plus a float
 * rounding slack of 1e-12 relative, so sums added up in another row order still compare equal.
 * PII columns are masked in samples and messages.
 */
import type { Engine, Row } from '../engine/duckdb.ts';
import { ident, literal } from '../engine/quote.ts';
import { isNumericType, isTemporalType } from '../engine/types.ts';
import type { GoldenComparison, Tolerance } from '../image/system-test-config.ts';
import { MASK, maskRow } from '../quality/mask.ts';
import type { CheckResult, CheckStatus } from '../report/report.ts';

/** Relative slack added to every tolerance for float rounding (sums in another order). */
export const FLOAT_SLACK = 1e-12;

/** True when `output` is within `tol` of `expected` (see the module doc); two NULLs are equal, one NULL is not. */
export function withinTolerance(output: number | null, expected: number | null, tol: Tolerance): boolean {
  if (output === null || expected === null) return output === expected;
  if (Number.isNaN(output) || Number.isNaN(expected)) return Number.isNaN(output) && Number.isNaN(expected);
  if (output === expected) return true;
  const allowed = Math.max(tol.absolute, tol.relative * Math.abs(expected)) + FLOAT_SLACK * Math.max(Math.abs(output), Math.abs(expected));
  return Math.abs(output - expected) <= allowed;
}

/** A loaded side of a comparison: its temp table, file, row count and columns. */
export interface Side {
  table: string;
  file: string;
  rows: number;
  schema: Array<{ name: string; type: string }>;
}

/** The fields every check of a comparison shares. */
export type CheckBase = Omit<CheckResult, 'status' | 'message' | 'failing_rows' | 'total_rows' | 'samples' | 'duration_ms'>;

/** Both loaded sides of one comparison and what its checks share. */
export interface Pair {
  engine: Engine;
  c: GoldenComparison;
  out: Side;
  exp: Side;
  /** Key columns (`key`, one or several). */
  keys: string[];
  pii: ReadonlySet<string>;
  /** Failing samples kept per check. */
  samples: number;
  base(type: string, columns: string[]): CheckBase;
}

/** The columns a comparison compares by value, split by what can be compared. */
interface ValueColumns {
  outTypes: Map<string, string>;
  expTypes: Map<string, string>;
  /** Compared columns missing from one of the files (their checks end in error). */
  unknown: string[];
  /** Compared columns present in both files. */
  comparable: string[];
  /** Comparable columns numeric on both sides (compared within tolerance). */
  numeric: string[];
}

/** Columns compared by value: the explicit list, else the expected file's non-key, non-ignored columns. */
export function valueColumns(p: Pair): ValueColumns {
  const outTypes = new Map(p.out.schema.map((s) => [s.name, s.type]));
  const expTypes = new Map(p.exp.schema.map((s) => [s.name, s.type]));
  const ignored = new Set(p.c.ignore_columns);
  const wanted = (p.c.columns ?? p.exp.schema.map((s) => s.name)).filter((col) => !p.keys.includes(col) && !ignored.has(col));
  const comparable = wanted.filter((col) => expTypes.has(col) && outTypes.has(col));
  return {
    outTypes,
    expTypes,
    unknown: wanted.filter((col) => !expTypes.has(col) || !outTypes.has(col)),
    comparable,
    numeric: comparable.filter((col) => isNumericType(expTypes.get(col)!) && isNumericType(outTypes.get(col)!)),
  };
}

/** Runs `fn` and adds its duration. */
async function timed(fn: () => Promise<Omit<CheckResult, 'duration_ms'>> | Omit<CheckResult, 'duration_ms'>): Promise<CheckResult> {
  const started = performance.now();
  const check = await fn();
  return { ...check, duration_ms: performance.now() - started };
}

/** `expr AS "name"`, dates and times as text (`2001-01-01`, not a midnight timestamp) for samples and messages. */
function display(name: string, expr: string, type: string): string {
  return isTemporalType(type) ? `${expr}::VARCHAR AS ${ident(name)}` : `${expr} AS ${ident(name)}`;
}

function fmt(n: number | null): string {
  if (n === null) return 'NULL';
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(10)));
}

function toNum(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'number' ? v : Number(v);
}

function tolText(t: Tolerance): string {
  if (t.absolute === 0 && t.relative === 0) return 'exact';
  const parts = [];
  if (t.absolute) parts.push(`±${t.absolute}`);
  if (t.relative) parts.push(`±${t.relative * 100}%`);
  return parts.join(' or ');
}

const toleranceOf = (c: GoldenComparison, col: string): Tolerance => c.column_tolerance[col] ?? c.tolerance;
const thresholdOf = (c: GoldenComparison) => ({ tolerance: c.tolerance, ...(Object.keys(c.column_tolerance).length ? { column_tolerance: c.column_tolerance } : {}) });

/** `golden_row_count`. */
export function rowCountCheck(p: Pair): Promise<CheckResult> {
  return timed(() => {
    const { out, exp } = p;
    const ok = out.rows === exp.rows;
    return {
      ...p.base('golden_row_count', []),
      threshold: { expected: exp.rows },
      status: ok ? 'pass' : 'fail',
      failing_rows: ok ? 0 : 1,
      total_rows: out.rows,
      samples: [],
      message: ok ? `${out.rows} rows, as expected` : `${out.rows} rows, expected ${exp.rows} (${out.rows > exp.rows ? '+' : ''}${out.rows - exp.rows})`,
    };
  });
}

/** `golden_schema`. */
export function schemaCheck(p: Pair, v: ValueColumns): Promise<CheckResult> {
  return timed(() => {
    const { c, out, exp } = p;
    const ignored = new Set(c.ignore_columns);
    const diffs: Row[] = [];
    for (const { name: col, type } of exp.schema) {
      if (ignored.has(col)) continue;
      const got = v.outTypes.get(col);
      if (got === undefined) diffs.push({ column: col, issue: 'missing', expected_type: type, output_type: null });
      else if (c.compare_types && got !== type) diffs.push({ column: col, issue: 'type changed', expected_type: type, output_type: got });
    }
    const extra = out.schema.filter((s) => !ignored.has(s.name) && !v.expTypes.has(s.name));
    if (!c.allow_extra_columns) for (const s of extra) diffs.push({ column: s.name, issue: 'extra', expected_type: null, output_type: s.type });
    const parts = (issue: string) => diffs.filter((d) => d.issue === issue).map((d) => (issue === 'type changed' ? `${String(d.column)} ${String(d.expected_type)} → ${String(d.output_type)}` : String(d.column)));
    const [missing, changed, extras] = [parts('missing'), parts('type changed'), parts('extra')];
    const compared = exp.schema.filter((s) => !ignored.has(s.name));
    return {
      ...p.base('golden_schema', compared.map((s) => s.name)),
      threshold: { allow_extra_columns: c.allow_extra_columns, compare_types: c.compare_types, ignore_columns: c.ignore_columns },
      status: diffs.length ? 'fail' : 'pass',
      failing_rows: diffs.length,
      total_rows: compared.length,
      samples: diffs.slice(0, Math.max(p.samples, 0)),
      message: diffs.length
        ? [missing.length ? `missing columns: ${missing.join(', ')}` : '', extras.length ? `extra columns: ${extras.join(', ')}` : '', changed.length ? `type changed: ${changed.join(', ')}` : ''].filter(Boolean).join('; ')
        : `${compared.length} columns with the expected ${c.compare_types ? 'names and types' : 'names'}${extra.length ? ` (${extra.length} extra allowed)` : ''}`,
    };
  });
}

/** `golden_keys` (with `key`): keys only on one side and duplicate keys on either. */
export function keysCheck(p: Pair, v: ValueColumns): Promise<CheckResult> {
  return timed(async () => {
    const { engine, keys, out, exp, samples, pii } = p;
    const absent = keys.filter((k) => !v.outTypes.has(k) || !v.expTypes.has(k));
    if (absent.length) {
      return {
        ...p.base('golden_keys', keys),
        status: 'error',
        failing_rows: null,
        total_rows: null,
        samples: [],
        message: `key column(s) ${absent.join(', ')} missing from ${absent.some((k) => !v.expTypes.has(k)) ? 'the expected file' : 'the output'}`,
        error: `unknown key column(s): ${absent.join(', ')}`,
      };
    }
    const kl = keys.map(ident).join(', ');
    const T = (s: Side) => ident(s.table);
    const count = async (sql: string) => Number((await engine.query<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM (${sql})`))[0]?.n ?? 0);
    const shown = (extra = '') => `${keys.map((k) => display(k, ident(k), v.expTypes.get(k)!)).join(', ')}${extra}`;
    const sample = async (sql: string, side: string, extra = '') => (samples > 0 ? (await engine.query(`SELECT ${literal(side)} AS side, ${shown(extra)} FROM (${sql}) ORDER BY ALL LIMIT ${samples}`)).map((r) => maskRow(r, pii)) : []);
    // cast keys to the expected types so EXCEPT works across sniffed types
    const outKeys = `SELECT ${keys.map((k) => `TRY_CAST(${ident(k)} AS ${v.expTypes.get(k)!}) AS ${ident(k)}`).join(', ')} FROM ${T(out)}`;
    const expKeys = `SELECT ${kl} FROM ${T(exp)}`;
    const onlyOut = `${outKeys} EXCEPT ${expKeys}`;
    const onlyExp = `${expKeys} EXCEPT ${outKeys}`;
    const dup = (s: Side) => `SELECT ${kl}, count(*) AS occurrences FROM ${T(s)} GROUP BY ALL HAVING count(*) > 1`;
    const [nOut, nExp, nDupOut, nDupExp] = [await count(onlyOut), await count(onlyExp), await count(dup(out)), await count(dup(exp))];
    const rows: Row[] = [...(await sample(onlyOut, 'only_in_output')), ...(await sample(onlyExp, 'only_in_expected')), ...(await sample(dup(out), 'duplicate_in_output', ', occurrences')), ...(await sample(dup(exp), 'duplicate_in_expected', ', occurrences'))];
    const failing = nOut + nExp + nDupOut + nDupExp;
    const what = [nOut ? `${nOut} key(s) only in the output` : '', nExp ? `${nExp} key(s) only in the expected file` : '', nDupOut ? `${nDupOut} duplicate key(s) in the output` : '', nDupExp ? `${nDupExp} duplicate key(s) in the expected file` : ''].filter(Boolean);
    const fmtKey = (r: Row) => keys.map((k) => String(r[k])).join('/');
    const firstOut = rows.find((r) => r.side === 'only_in_output');
    const firstExp = rows.find((r) => r.side === 'only_in_expected');
    return {
      ...p.base('golden_keys', keys),
      threshold: { key: keys },
      status: failing ? 'fail' : 'pass',
      failing_rows: failing,
      total_rows: out.rows,
      samples: rows.slice(0, Math.max(samples, 0)),
      message: failing ? `${what.join(', ')}${firstOut ? `; e.g. output has ${fmtKey(firstOut)}` : ''}${firstExp ? `; e.g. expected has ${fmtKey(firstExp)}` : ''}` : `the ${out.rows} keys (${keys.join(', ')}) match the expected set`,
    };
  });
}

/** `golden_aggregates`: sum, avg, min and max of each numeric compared column. */
export function aggregatesCheck(p: Pair, v: ValueColumns): Promise<CheckResult> {
  return timed(async () => {
    const { c, engine, pii } = p;
    const aggs = ['sum', 'avg', 'min', 'max'] as const;
    const select = v.numeric.length ? v.numeric.flatMap((col) => aggs.map((a) => `${a}(${ident(col)})::DOUBLE AS ${ident(`${a}:${col}`)}`)).join(', ') : '1 AS none';
    const [o] = await engine.query(`SELECT ${select} FROM ${ident(p.out.table)}`);
    const [e] = await engine.query(`SELECT ${select} FROM ${ident(p.exp.table)}`);
    const mismatches: Row[] = [];
    for (const col of v.numeric) {
      const tol = toleranceOf(c, col);
      for (const a of aggs) {
        const ov = o?.[`${a}:${col}`] as number | null;
        const ev = e?.[`${a}:${col}`] as number | null;
        if (!withinTolerance(toNum(ov), toNum(ev), tol)) {
          mismatches.push({ column: col, aggregate: a, output: pii.has(col) ? MASK : ov, expected: pii.has(col) ? MASK : ev, difference: pii.has(col) || ov === null || ev === null ? null : Number(ov) - Number(ev), tolerance: tolText(tol) });
        }
      }
    }
    const total = v.numeric.length * aggs.length;
    const shown = (m: Row, k: 'output' | 'expected') => (pii.has(m.column as string) ? MASK : fmt(toNum(m[k])));
    const status: CheckStatus = v.unknown.length ? 'error' : mismatches.length ? 'fail' : 'pass';
    return {
      ...p.base('golden_aggregates', v.numeric),
      threshold: thresholdOf(c),
      status,
      failing_rows: v.unknown.length ? null : mismatches.length,
      total_rows: total,
      samples: mismatches.slice(0, Math.max(p.samples, 0)),
      message: v.unknown.length
        ? `column(s) ${v.unknown.join(', ')} not in both files`
        : mismatches.length
          ? `${mismatches.length} of ${total} aggregates outside tolerance: ${mismatches
              .slice(0, 3)
              .map((m) => `${m.aggregate as string}(${m.column as string}) = ${shown(m, 'output')}, expected ${shown(m, 'expected')} (${m.tolerance as string})`)
              .join('; ')}`
          : v.numeric.length
            ? `sum, avg, min and max of ${v.numeric.length} numeric column(s) within tolerance (${tolText(c.tolerance)})`
            : 'no numeric columns to aggregate',
      ...(v.unknown.length ? { error: `unknown column(s): ${v.unknown.join(', ')}` } : {}),
    };
  });
}

/** `golden_values` (with `key`): rows joined on the key, each compared column equal (numbers within tolerance). */
export function valuesCheck(p: Pair, v: ValueColumns, keys: CheckResult): Promise<CheckResult> {
  if (keys.status === 'error') {
    return Promise.resolve({ ...p.base('golden_values', v.comparable), status: 'error', failing_rows: null, total_rows: null, samples: [], message: 'not compared: key columns missing', error: 'unknown key column(s)', duration_ms: 0 });
  }
  return timed(async () => {
    const { c, engine, pii, samples } = p;
    const on = p.keys.map((k) => `o.${ident(k)} IS NOT DISTINCT FROM TRY_CAST(e.${ident(k)} AS ${v.outTypes.get(k)!})`).join(' AND ');
    const differs = (col: string): string => {
      const o = `o.${ident(col)}`;
      const e = `e.${ident(col)}`;
      if (v.numeric.includes(col)) {
        const t = toleranceOf(c, col);
        const [od, ed] = [`${o}::DOUBLE`, `${e}::DOUBLE`];
        return `NOT coalesce((${o} IS NULL AND ${e} IS NULL) OR ${od} = ${ed} OR abs(${od} - ${ed}) <= greatest(${t.absolute}::DOUBLE, ${t.relative}::DOUBLE * abs(${ed})) + ${FLOAT_SLACK} * greatest(abs(${od}), abs(${ed})), false)`;
      }
      return v.outTypes.get(col) === v.expTypes.get(col) ? `${o} IS DISTINCT FROM ${e}` : `${o}::VARCHAR IS DISTINCT FROM ${e}::VARCHAR`;
    };
    const joined = `FROM ${ident(p.out.table)} o JOIN ${ident(p.exp.table)} e ON ${on}`;
    let failing = 0;
    let matched = 0;
    let rows: Row[] = [];
    if (v.comparable.length) {
      const [n] = await engine.query<{ n: number; m: number }>(`SELECT count(*) FILTER (WHERE ${v.comparable.map(differs).join(' OR ')})::BIGINT AS n, count(*)::BIGINT AS m ${joined}`);
      failing = Number(n?.n ?? 0);
      matched = Number(n?.m ?? 0);
      if (failing && samples > 0) {
        const union = v.comparable
          .map((col) => `SELECT ${p.keys.map((k) => display(k, `o.${ident(k)}`, v.outTypes.get(k)!)).join(', ')}, ${literal(col)} AS "column", o.${ident(col)}::VARCHAR AS "output", e.${ident(col)}::VARCHAR AS "expected" ${joined} WHERE ${differs(col)}`)
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
    return {
      ...p.base('golden_values', v.comparable),
      threshold: thresholdOf(c),
      status: v.unknown.length ? 'error' : failing ? 'fail' : 'pass',
      failing_rows: v.unknown.length ? null : failing,
      total_rows: matched,
      samples: rows,
      message: v.unknown.length
        ? `column(s) ${v.unknown.join(', ')} not in both files`
        : failing
          ? `${failing} of ${matched} rows matched on ${p.keys.join(', ')} differ${first ? `; e.g. ${p.keys.map((k) => String(first[k])).join('/')}: ${String(first.column)} = ${String(first.output)}, expected ${String(first.expected)}` : ''}`
          : `${matched} rows matched on ${p.keys.join(', ')}: ${v.comparable.length} column(s) equal${v.numeric.length ? ` (numeric tolerance: ${tolText(c.tolerance)})` : ''}`,
      ...(v.unknown.length ? { error: `unknown column(s): ${v.unknown.join(', ')}` } : {}),
    };
  });
}
