/**
 * Schema contracts: the changes between a dataset's schema recorded on the base branch and its
 * schema now, each classified the way schema registries define compatibility (Confluent Schema
 * Registry; datacontract-cli's `breaking` names the same changes):
 * - `backward`: readers of the new schema can read data written under the old one. Breaks it: a
 *   type narrowed (BIGINT → INTEGER), a column made required (nullable → required), a new
 *   required column.
 * - `forward`: readers of the old schema can read data written under the new one. Breaks it: a
 *   column removed or renamed, a type widened (INTEGER → BIGINT), a column made nullable.
 * - `full`: both. A type changed to an unrelated one (VARCHAR → DATE) and a rename break both.
 * A rename is a removed and an added column of the same type at the same position.
 */
import { normalizeType } from '../quality/compile.ts';

/** A column of a schema. */
export interface ContractColumn {
  name: string;
  type: string;
  nullable: boolean;
}

/** Compatibility modes of a `schema` check. */
export type Compatibility = 'backward' | 'forward' | 'full';

/** One change between two schemas. */
export interface SchemaChange {
  column: string;
  change: 'removed' | 'renamed' | 'added' | 'type narrowed' | 'type widened' | 'type changed' | 'nullable → required' | 'required → nullable';
  from: string | null;
  to: string | null;
  /** The compatibility modes it breaks (empty: compatible both ways). */
  breaks: Array<'backward' | 'forward'>;
}

const INT_ORDER = ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT'];
const UINT_ORDER = ['UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT'];

function decimal(t: string): { p: number; s: number } | undefined {
  const m = /^DECIMAL(?:\((\d+),(\d+)\))?$/.exec(t);
  return m ? { p: Number(m[1] ?? 18), s: Number(m[2] ?? 3) } : undefined;
}

/** Whether every value of type `from` fits type `to` unchanged (DuckDB types, compared normalized). */
export function widens(from: string, to: string): boolean {
  const a = normalizeType(from);
  const b = normalizeType(to);
  if (a === b || b === 'VARCHAR') return true;
  const ia = INT_ORDER.indexOf(a);
  const ua = UINT_ORDER.indexOf(a);
  const ib = INT_ORDER.indexOf(b);
  const ub = UINT_ORDER.indexOf(b);
  if (ia >= 0 && ib >= 0) return ib >= ia;
  if (ua >= 0 && ub >= 0) return ub >= ua;
  if (ua >= 0 && ib >= 0) return ib > ua;
  if ((ia >= 0 || ua >= 0 || a === 'FLOAT') && b === 'DOUBLE') return true;
  if ((a === 'TINYINT' || a === 'SMALLINT' || a === 'UTINYINT' || a === 'USMALLINT') && b === 'FLOAT') return true;
  if (a === 'DATE' && /^TIMESTAMP/.test(b)) return true;
  const da = decimal(a);
  const db = decimal(b);
  if (da && db) return db.s >= da.s && db.p - db.s >= da.p - da.s;
  return false;
}

/** The changes from `base` to `head` (columns matched case-insensitively, renames by position and type). */
export function schemaChanges(base: readonly ContractColumn[], head: readonly ContractColumn[]): SchemaChange[] {
  const lc = (s: string) => s.toLowerCase();
  const headBy = new Map(head.map((c) => [lc(c.name), c]));
  const baseBy = new Map(base.map((c) => [lc(c.name), c]));
  const removed = base.filter((c) => !headBy.has(lc(c.name)));
  const added = head.filter((c) => !baseBy.has(lc(c.name)));
  const changes: SchemaChange[] = [];
  const renamedTo = new Set<string>();
  for (const r of removed) {
    const pos = base.indexOf(r);
    const a = added.find((c) => head.indexOf(c) === pos && normalizeType(c.type) === normalizeType(r.type) && !renamedTo.has(c.name));
    if (a) {
      renamedTo.add(a.name);
      changes.push({ column: r.name, change: 'renamed', from: r.name, to: a.name, breaks: ['backward', 'forward'] });
    } else changes.push({ column: r.name, change: 'removed', from: r.type, to: null, breaks: ['forward'] });
  }
  for (const a of added) {
    if (renamedTo.has(a.name)) continue;
    changes.push({ column: a.name, change: 'added', from: null, to: `${a.type}${a.nullable ? '' : ' required'}`, breaks: a.nullable ? [] : ['backward'] });
  }
  for (const b of base) {
    const h = headBy.get(lc(b.name));
    if (!h) continue;
    if (normalizeType(b.type) !== normalizeType(h.type)) {
      const wider = widens(b.type, h.type);
      const narrower = widens(h.type, b.type);
      if (wider) changes.push({ column: h.name, change: 'type widened', from: b.type, to: h.type, breaks: ['forward'] });
      else if (narrower) changes.push({ column: h.name, change: 'type narrowed', from: b.type, to: h.type, breaks: ['backward'] });
      else changes.push({ column: h.name, change: 'type changed', from: b.type, to: h.type, breaks: ['backward', 'forward'] });
    }
    if (b.nullable && !h.nullable) changes.push({ column: h.name, change: 'nullable → required', from: 'nullable', to: 'required', breaks: ['backward'] });
    if (!b.nullable && h.nullable) changes.push({ column: h.name, change: 'required → nullable', from: 'required', to: 'nullable', breaks: ['forward'] });
  }
  return changes;
}

/** Whether `change` breaks `mode`. */
export function breaks(change: SchemaChange, mode: Compatibility): boolean {
  return mode === 'full' ? change.breaks.length > 0 : change.breaks.includes(mode);
}

/** `renamed: a → b`, `type narrowed: distance BIGINT → INTEGER`, `removed: delay`. */
export function describeChange(c: SchemaChange): string {
  if (c.change === 'renamed') return `column renamed: ${c.from} → ${c.to}`;
  if (c.change === 'removed') return `column removed: ${c.column}`;
  if (c.change === 'added') return `column added: ${c.column} (${c.to})`;
  return `${c.change}: ${c.column}${c.change.startsWith('type') ? ` ${c.from} → ${c.to}` : ''}`;
}
