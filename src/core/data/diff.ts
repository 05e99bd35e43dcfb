/**
 * Data diff between two versions of a dataset, the way data-diff and Datafold report it:
 * schema changes (added, removed, retyped columns), the row-count change, and with a key a
 * row diff: rows added, removed and changed, per-column change counts and a few samples.
 *
 * The row diff reads both sides in full: a FULL OUTER JOIN of (key, 64-bit hash of the compared
 * columns) keeps the keys that differ (as data-diff compares checksums), head's values of them
 * riding along (head streams through the join; the hash table holds base's keys and hashes only);
 * a second pass joins base with only those keys (their hash table is small; base's scan probes
 * it) to fetch base's values, count the changed rows per column (`IS DISTINCT FROM`; a retyped
 * column compares as text) and take samples. `npm run bench` (bench/data-diff.ts) measures it on
 * 3M rows. Keys are expected unique and not NULL on each side: a NULL key never matches (its row
 * is added and removed), a duplicated key multiplies its rows in the join (`checkKeys` counts such
 * keys: {@link RowDiff.duplicate_keys}).
 *
 * PII: a column named in `pii` never shows a value; its samples read `***`.
 */
import type { DescribedColumn as ColumnType, Engine } from '../engine/duckdb.ts';
import { ident } from '../engine/quote.ts';
import { ConfigError } from '../errors.ts';

/** The masked form of a PII value in samples. */
export const MASK = '***';

/** What changed in the schema. */
export interface SchemaDiff {
  added: ColumnType[];
  removed: ColumnType[];
  retyped: Array<{ name: string; from: string; to: string }>;
}

/** One side's row count and the change. */
export interface RowCountDiff {
  base: number;
  head: number;
  delta: number;
}

/** A changed row sample: the key, and for each changed column its base and head value. */
export interface ChangedSample {
  key: Record<string, unknown>;
  changes: Record<string, { base: unknown; head: unknown }>;
}

/** The key-based row diff. */
export interface RowDiff {
  key: string[];
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
  /** Changed rows per compared column (a row may count for several columns). */
  columns: Record<string, number>;
  /** With `checkKeys`: keys that occur more than once on a side (their rows multiply in the join; counts are then approximate). */
  duplicate_keys?: { base: number; head: number };
  samples: { added: Array<Record<string, unknown>>; removed: Array<Record<string, unknown>>; changed: ChangedSample[] };
}

/** A diff of two dataset versions. */
export interface DataDiff {
  /** The dataset's name: its path relative to the compared directories, or the head file's name (diffPaths). */
  dataset?: string;
  base: string;
  head: string;
  schema: SchemaDiff;
  row_count: RowCountDiff;
  rows?: RowDiff;
}

/** The schema change between two column lists (names compared case-sensitively, as DuckDB reads them). */
export function diffSchemas(base: readonly ColumnType[], head: readonly ColumnType[]): SchemaDiff {
  const b = new Map(base.map((c) => [c.name, c.type]));
  const h = new Map(head.map((c) => [c.name, c.type]));
  return {
    added: head.filter((c) => !b.has(c.name)),
    removed: base.filter((c) => !h.has(c.name)),
    retyped: head.filter((c) => b.has(c.name) && b.get(c.name) !== c.type).map((c) => ({ name: c.name, from: b.get(c.name)!, to: c.type })),
  };
}

/** Options of {@link diffRelations}. */
export interface DiffOptions {
  /** Key columns; without a key only the schema and row counts are compared. */
  key?: readonly string[] | undefined;
  /** Lower-cased PII column names: counted, never shown. */
  pii?: ReadonlySet<string> | undefined;
  /** Samples kept per kind (added, removed, changed). Default 5. */
  samples?: number | undefined;
  /** Count keys that occur more than once on a side (one more aggregate per side). Default false. */
  checkKeys?: boolean | undefined;
  /** Names of the sides in the result (file paths, image references). */
  names?: { base: string; head: string } | undefined;
}

/**
 * Diffs two relations (SQL text: `read_parquet([...])`, a view name) in `engine`.
 * @throws ConfigError when a key column is missing on a side; the engine's error when a side cannot be read.
 */
export async function diffRelations(engine: Engine, base: string, head: string, opts: DiffOptions = {}): Promise<DataDiff> {
  const describe = (rel: string) => engine.describe(`SELECT * FROM ${rel}`);
  const [bCols, hCols] = await Promise.all([describe(base), describe(head)]);
  const schema = diffSchemas(bCols, hCols);
  const names = opts.names ?? { base, head };
  const key = [...(opts.key ?? [])];
  for (const k of key) {
    for (const [side, cols] of [['base', bCols], ['head', hCols]] as const) {
      if (!cols.some((c) => c.name === k)) throw new ConfigError(`key column "${k}" is not in the ${side} (${names[side]}): it has ${cols.map((c) => c.name).join(', ')}`, { location: { field: '--key' }, fix: 'Name columns present on both sides.' });
    }
  }
  if (!key.length) {
    const [[b], [h]] = await Promise.all([engine.query<{ n: number }>(`SELECT count(*) AS n FROM ${base}`), engine.query<{ n: number }>(`SELECT count(*) AS n FROM ${head}`)]);
    return { base: names.base, head: names.head, schema, row_count: rowCounts(Number(b!.n), Number(h!.n)) };
  }
  const hTypes = new Map(hCols.map((c) => [c.name, c.type]));
  const compared = bCols.filter((c) => hTypes.has(c.name) && !key.includes(c.name));
  const pii = opts.pii ?? new Set<string>();
  const n = opts.samples ?? 5;
  const on = key.map((k) => `a.${ident(k)} = b.${ident(k)}`).join(' AND ');
  const id = Math.random().toString(36).slice(2, 10);
  const keysTable = `__dataops_diffkeys_${id}`;
  const table = `__dataops_diff_${id}`;
  const rowHash = compared.length ? `hash(${compared.map((c) => (c.type === hTypes.get(c.name) ? ident(c.name) : `CAST(${ident(c.name)} AS VARCHAR)`)).join(', ')})` : '0';
  // hash() is never NULL: a NULL __h is a key absent on that side
  const sideOf = (rel: string, values: boolean) => `(SELECT ${key.map(ident).join(', ')}${values ? compared.map((c, i) => `, ${ident(c.name)} AS __b${i}`).join('') : ''}, ${rowHash} AS __h FROM ${rel})`;
  const byKey = (x: string) => key.map((k, i) => `${x}.${ident(k)} = t.__k${i}`).join(' AND ');
  try {
    // pass 1, over both sides: a join of (key, row hash) keeps the keys that differ. The head side
    // also carries its values: DuckDB builds its hash table on the narrow base side (the smaller
    // one by width) and streams head through it, so head's values of the differing keys come
    // without a second scan of head
    await engine.run(`CREATE TEMP TABLE ${keysTable} AS
      SELECT CASE WHEN a.__h IS NULL THEN 'added' WHEN b.__h IS NULL THEN 'removed' ELSE 'changed' END AS __kind,
        ${key.map((k, i) => `coalesce(a.${ident(k)}, b.${ident(k)}) AS __k${i}`).join(', ')}${compared.map((_, i) => `, b.__b${i}`).join('')}
      FROM ${sideOf(base, false)} a FULL OUTER JOIN ${sideOf(head, true)} b ON ${on}
      WHERE a.__h IS NULL OR b.__h IS NULL OR a.__h <> b.__h`);
    // pass 2, only the differing keys: base's values of them (a join whose hash table is the few
    // differing keys, probed by base's scan), then which columns changed. The join condition is
    // key equalities only: a condition on the kind makes DuckDB fall back to a nested loop join
    // (minutes on 3M rows)
    const flag = (c: ColumnType, i: number) => {
      const same = c.type === hTypes.get(c.name);
      const [x, y] = same ? [`x.${ident(c.name)}`, `t.__b${i}`] : [`CAST(x.${ident(c.name)} AS VARCHAR)`, `CAST(t.__b${i} AS VARCHAR)`];
      return `(t.__kind = 'changed' AND ${x} IS DISTINCT FROM ${y}) AS __c${i}`;
    };
    await engine.run(`CREATE TEMP TABLE ${table} AS
      SELECT t.*${compared.map((c, i) => `, x.${ident(c.name)} AS __a${i}, ${flag(c, i)}`).join('')}
      FROM ${keysTable} t LEFT JOIN ${base} x ON ${byKey('x')}`);
    const [counts] = await engine.query(
      `SELECT count(*) FILTER (WHERE __kind = 'added') AS added, count(*) FILTER (WHERE __kind = 'removed') AS removed, count(*) FILTER (WHERE __kind = 'changed') AS changed${compared.map((_, i) => `, count(*) FILTER (WHERE __c${i}) AS c${i}`).join('')} FROM ${table}`,
    );
    const keyList = key.map(ident).join(', ');
    const count = (rel: string) => engine.query<{ n: number; d?: number }>(`SELECT count(*) AS n${opts.checkKeys ? `, count(*) - count(DISTINCT (${keyList})) AS d` : ''} FROM ${rel}`);
    const [[bn], [hn]] = await Promise.all([count(base), count(head)]);
    const shown = (name: string, v: unknown) => (pii.has(name.toLowerCase()) && v !== null ? MASK : v);
    const keyOf = (r: Record<string, unknown>) => Object.fromEntries(key.map((k, i) => [k, shown(k, r[`__k${i}`])]));
    const pick = async (kind: string) => engine.query(`SELECT * FROM ${table} WHERE __kind = '${kind}' ORDER BY ${key.map((_, i) => `__k${i}`).join(', ')} LIMIT ${n}`);
    const side = (r: Record<string, unknown>, prefix: '__a' | '__b') => ({ ...keyOf(r), ...Object.fromEntries(compared.map((c, i) => [c.name, shown(c.name, r[`${prefix}${i}`])])) });
    const [added, removed, changed] = await Promise.all([pick('added'), pick('removed'), pick('changed')]);
    const c = counts!;
    const rows: RowDiff = {
      key,
      added: Number(c.added),
      removed: Number(c.removed),
      changed: Number(c.changed),
      unchanged: Number(bn!.n) - Number(c.removed) - Number(c.changed),
      columns: Object.fromEntries(compared.map((col, i) => [col.name, Number(c[`c${i}`])])),
      ...(opts.checkKeys ? { duplicate_keys: { base: Number(bn!.d), head: Number(hn!.d) } } : {}),
      samples: {
        added: added.map((r) => side(r, '__b')),
        removed: removed.map((r) => side(r, '__a')),
        changed: changed.map((r) => ({
          key: keyOf(r),
          changes: Object.fromEntries(compared.flatMap((col, i) => (r[`__c${i}`] ? [[col.name, { base: shown(col.name, r[`__a${i}`]), head: shown(col.name, r[`__b${i}`]) }]] : []))),
        })),
      },
    };
    return { base: names.base, head: names.head, schema, row_count: rowCounts(Number(bn!.n), Number(hn!.n)), rows };
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${table}; DROP TABLE IF EXISTS ${keysTable}`);
  }
}

function rowCounts(base: number, head: number): RowCountDiff {
  return { base, head, delta: head - base };
}

/** True when nothing differs: same schema, same row count, and (with a key) no added, removed or changed row. */
export function isEmptyDiff(d: DataDiff): boolean {
  const s = d.schema;
  return !s.added.length && !s.removed.length && !s.retyped.length && d.row_count.delta === 0 && (!d.rows || d.rows.added + d.rows.removed + d.rows.changed === 0);
}

const cell = (v: unknown) => (v === null || v === undefined ? '∅' : (typeof v === 'string' ? v : JSON.stringify(v)).replaceAll('|', '\\|').replaceAll('\n', ' '));
const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

/** Markdown of one diff (job summary, check run): a summary table, schema changes, changed columns and samples. */
export function renderDiffMarkdown(d: DataDiff, title = `${d.base} → ${d.head}`): string {
  const out = [`### Data diff: ${title}`, '', '| | base | head | change |', '|---|---:|---:|---:|', `| rows | ${d.row_count.base} | ${d.row_count.head} | ${signed(d.row_count.delta)} |`];
  if (d.rows) {
    const r = d.rows;
    out.push(`| rows added | | | ${r.added} |`, `| rows removed | | | ${r.removed} |`, `| rows changed | | | ${r.changed} |`, `| rows unchanged | | | ${r.unchanged} |`);
  }
  const s = d.schema;
  if (s.added.length || s.removed.length || s.retyped.length) {
    out.push('', '**Schema changes**', '');
    for (const c of s.added) out.push(`- added \`${c.name}\` ${c.type}`);
    for (const c of s.removed) out.push(`- removed \`${c.name}\` ${c.type}`);
    for (const c of s.retyped) out.push(`- retyped \`${c.name}\` ${c.from} → ${c.to}`);
  }
  if (d.rows) {
    const changedCols = Object.entries(d.rows.columns).filter(([, n]) => n > 0);
    if (changedCols.length) out.push('', '| column | rows changed |', '|---|---:|', ...changedCols.map(([c, n]) => `| \`${c}\` | ${n} |`));
    if (d.rows.duplicate_keys && (d.rows.duplicate_keys.base || d.rows.duplicate_keys.head)) out.push('', `> key (${d.rows.key.join(', ')}) is not unique: ${d.rows.duplicate_keys.base} duplicate(s) in base, ${d.rows.duplicate_keys.head} in head; row counts are approximate.`);
    const ch = d.rows.samples.changed;
    if (ch.length) {
      out.push('', '<details><summary>Changed rows (samples)</summary>', '', '| key | column | base | head |', '|---|---|---|---|');
      for (const x of ch) for (const [col, v] of Object.entries(x.changes)) out.push(`| ${cell(Object.values(x.key).join(', '))} | \`${col}\` | ${cell(v.base)} | ${cell(v.head)} |`);
      out.push('', '</details>');
    }
    for (const kind of ['added', 'removed'] as const) {
      const rows = d.rows.samples[kind];
      if (!rows.length) continue;
      const cols = Object.keys(rows[0]!);
      out.push('', `<details><summary>Rows ${kind} (samples)</summary>`, '', `| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${cols.map((c) => cell(r[c])).join(' | ')} |`), '', '</details>');
    }
  }
  return out.join('\n') + '\n';
}
