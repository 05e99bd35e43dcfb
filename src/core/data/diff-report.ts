/**
 * A data diff as a pull-request check (the data-diff action, `dataops data diff --report`): totals
 * over the diffs of every dataset, the check run's conclusion and title, the Markdown of the job
 * summary and check run (a table of the datasets, then each dataset's diff from
 * {@link renderDiffMarkdown}), and the JSON report.
 *
 * PII: the diffs already hold masked samples (diff.ts: a `pii` column's value reads `***`);
 * nothing here reads a value, so the report, title and summary show counts only for those columns.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CheckConclusion } from '../github/checks.ts';
import { isEmptyDiff, renderDiffMarkdown, type DataDiff } from './diff.ts';

/** `report_version` of {@link DiffReport}. */
export const DIFF_REPORT_VERSION = 1;

/** Counts over the diffs of several datasets. Rows are counted only for datasets diffed with a key. */
export interface DiffTotals {
  datasets: number;
  /** Datasets whose diff is not empty (schema, row count or rows). */
  changed_datasets: number;
  rows_added: number;
  rows_removed: number;
  rows_changed: number;
  /** Columns added, removed or retyped, over every dataset. */
  schema_changes: number;
}

/** Sums `diffs`. */
export function diffTotals(diffs: readonly DataDiff[]): DiffTotals {
  const sum = (f: (d: DataDiff) => number) => diffs.reduce((n, d) => n + f(d), 0);
  return {
    datasets: diffs.length,
    changed_datasets: diffs.filter((d) => !isEmptyDiff(d)).length,
    rows_added: sum((d) => d.rows?.added ?? 0),
    rows_removed: sum((d) => d.rows?.removed ?? 0),
    rows_changed: sum((d) => d.rows?.changed ?? 0),
    schema_changes: sum((d) => d.schema.added.length + d.schema.removed.length + d.schema.retyped.length),
  };
}

/**
 * The check run's conclusion: `success` when nothing differs, else `failure` with `failOnChange`
 * and `neutral` without (a change is for review, not an error).
 */
export function diffConclusion(totals: DiffTotals, failOnChange: boolean): CheckConclusion {
  if (totals.changed_datasets === 0) return 'success';
  return failOnChange ? 'failure' : 'neutral';
}

/** One line for the check run's title, e.g. `1 of 2 datasets changed: 0 rows added, 0 removed, 63 changed`. */
export function diffTitle(t: DiffTotals): string {
  if (t.changed_datasets === 0) return `no change in ${t.datasets} dataset${t.datasets === 1 ? '' : 's'}`;
  const schema = t.schema_changes ? `, ${t.schema_changes} schema change${t.schema_changes === 1 ? '' : 's'}` : '';
  return `${t.changed_datasets} of ${t.datasets} dataset${t.datasets === 1 ? '' : 's'} changed: ${t.rows_added} rows added, ${t.rows_removed} removed, ${t.rows_changed} changed${schema}`;
}

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
const escapeCell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

/**
 * Markdown of a diff of several datasets: a heading naming both sides, one table row per dataset
 * (rows on each side, added, removed, changed, schema changes; `—` without a key), the PII columns
 * named (never their values), then each dataset's diff.
 */
export function renderDiffReport(diffs: readonly DataDiff[], sides: { base: string; head: string; pii?: readonly string[] | undefined }): string {
  const t = diffTotals(diffs);
  const out = [`## Data diff: ${diffTitle(t)}`, '', `base \`${sides.base}\` → head \`${sides.head}\``, ''];
  out.push('| dataset | rows (base) | rows (head) | added | removed | changed | schema changes |', '|---|---:|---:|---:|---:|---:|---:|');
  for (const d of diffs) {
    const r = d.rows;
    const s = d.schema.added.length + d.schema.removed.length + d.schema.retyped.length;
    const mark = isEmptyDiff(d) ? '' : ' ✱';
    out.push(`| \`${escapeCell(d.dataset ?? d.head)}\`${mark} | ${d.row_count.base} | ${d.row_count.head} (${signed(d.row_count.delta)}) | ${r ? r.added : '—'} | ${r ? r.removed : '—'} | ${r ? r.changed : '—'} | ${s} |`);
  }
  if (diffs.some((d) => !d.rows)) out.push('', '— no key for that dataset: schema and row counts only (set `key`).');
  if (sides.pii?.length) out.push('', `PII columns (counted, values never shown): ${sides.pii.map((c) => `\`${escapeCell(c)}\``).join(', ')}`);
  for (const d of diffs) if (!isEmptyDiff(d)) out.push('', renderDiffMarkdown(d, d.dataset ?? `${d.base} → ${d.head}`).trimEnd());
  return out.join('\n') + '\n';
}

/** The JSON report of a data diff (written by the data-diff action and `dataops data diff --report`). */
export interface DiffReport {
  report_version: typeof DIFF_REPORT_VERSION;
  kind: 'data-diff';
  /** The compared sides: paths, or `image@digest` for image outputs. */
  base: string;
  head: string;
  changed: boolean;
  totals: DiffTotals;
  /** Column names treated as PII (their values are masked in `diffs`). */
  pii: string[];
  diffs: DataDiff[];
}

/** Builds the report of `diffs`. */
export function diffReport(diffs: readonly DataDiff[], sides: { base: string; head: string; pii?: readonly string[] | undefined }): DiffReport {
  const totals = diffTotals(diffs);
  return { report_version: DIFF_REPORT_VERSION, kind: 'data-diff', base: sides.base, head: sides.head, changed: totals.changed_datasets > 0, totals, pii: [...(sides.pii ?? [])], diffs: [...diffs] };
}

/** Writes `report` as JSON to `file` (directories created). */
export async function writeDiffReport(file: string, report: DiffReport): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(report, null, 2) + '\n');
}
