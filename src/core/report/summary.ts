/**
 * Job summary (GitHub-flavoured Markdown) for one or more quality reports, also used as the check
 * run's output summary. Failures come first (error, fail, warn, pass); each check shows its status,
 * id, dataset, columns, failing/total rows, threshold and description; failing samples (already
 * PII-masked in the report) sit in collapsible `<details>` tables; a dataset table gives rows,
 * source and a short content hash. The text is cut at whole blocks to stay under a byte budget
 * (GitHub rejects step summaries over 1 MiB and check-run summaries over 65535 characters),
 * ending with a note that points to the JSON report.
 */
import { byStatus, worstStatus, type CheckResult, type CheckStatus, type Report } from './report.ts';

/** GitHub's limit for one step's job summary: 1 MiB. */
export const STEP_SUMMARY_LIMIT = 1024 * 1024;
/** GitHub's limit for a check run's `output.summary`: 65535 characters. */
export const CHECK_RUN_SUMMARY_LIMIT = 65_535;

/** Emoji and word for a status, e.g. `❌ fail`. */
export function statusLabel(status: CheckStatus): string {
  return `${STATUS_EMOJI[status]} ${status}`;
}
const STATUS_EMOJI: Record<CheckStatus, string> = { error: '💥', fail: '❌', warn: '⚠️', pass: '✅' };

/** Options of {@link renderSummary}. */
export interface SummaryOptions {
  /** Budget in UTF-8 bytes (default {@link STEP_SUMMARY_LIMIT}). */
  maxBytes?: number;
  /** Where the full JSON report is (named in the truncation note), e.g. the `report-path` output. */
  reportPath?: string;
  /** Max rows per sample table (default: all samples in the report). */
  maxSamples?: number;
}

/** Checks sorted failures first (error, fail, warn, pass), suite order kept within a status. */
export function sortChecks(checks: readonly CheckResult[]): CheckResult[] {
  return byStatus(checks, (c) => c.status);
}

function toText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? '';
}

/** Escapes text for a Markdown table cell (pipes, newlines, HTML). */
export function cell(value: unknown, maxChars = 200): string {
  let text = toText(value);
  if (text.length > maxChars) text = `${text.slice(0, maxChars - 1)}…`;
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

/**
 * `1234567` → `"1,234,567"` (en-US grouping). Integers are grouped by hand: the first
 * `toLocaleString` of a process initialises ICU number formatting (~10 ms of a cold start).
 */
export function groupDigits(n: number): string {
  return Number.isSafeInteger(n) ? String(n).replace(/\B(?=(\d{3})+$)/g, ',') : n.toLocaleString('en-US');
}

const num = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : groupDigits(n));

function threshold(t: CheckResult['threshold']): string {
  const parts = Object.entries(t ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v as string)}`);
  return parts.length ? cell(parts.join(', '), 80) : '—';
}

function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Overall status of several reports: the worst one. */
export function overallStatus(reports: readonly Report[]): CheckStatus {
  return worstStatus(reports.map((r) => r.status));
}

function countsLine(c: Report['counts']): string {
  return `**${c.error} error${c.error === 1 ? '' : 's'} · ${c.fail} failed · ${c.warn} warned · ${c.pass} passed** of ${c.total} check${c.total === 1 ? '' : 's'}`;
}

/** The blocks of one report, most important first; each block is kept whole or dropped. */
function reportBlocks(report: Report, level: string, opts: SummaryOptions): string[] {
  const blocks: string[] = [];
  const verdict = report.failed_step ? 'the step fails' : 'the step passes';
  blocks.push(
    [
      `${level} ${STATUS_EMOJI[report.status]} Data quality: ${cell(report.suite.name)} — ${report.status}`,
      '',
      `${countsLine(report.counts)} · fail-on: \`${report.fail_on}\` → ${verdict} · ${duration(report.duration_ms)}`,
      '',
      `Suite \`${cell(report.suite.file)}\`${report.suite.description ? ` — ${cell(report.suite.description, 300)}` : ''}`,
      '',
      '',
    ].join('\n'),
  );
  if (report.errors.length) {
    blocks.push(['> [!CAUTION]', `> The suite could not run completely:`, ...report.errors.map((e) => `> - ${cell(e, 1000)}`), ''].join('\n'));
  }
  const checks = sortChecks(report.checks);
  if (checks.length) {
    blocks.push('| Status | Check | Dataset | Columns | Failing / total rows | Threshold | Result · description |\n|---|---|---|---|---:|---|---|\n');
    for (const c of checks) {
      const observed = c.status === 'error' ? `**could not run:** ${cell(c.error ?? c.message, 300)}` : cell(c.message, 300);
      const what = c.description ? `${observed}<br><i>${cell(c.description, 300)}</i>` : observed;
      blocks.push(`| ${statusLabel(c.status)}${c.known ? ' (known)' : ''} | \`${cell(c.id)}\` (${cell(c.type)}) | ${cell(c.dataset)} | ${cell(c.columns.join(', ')) || '—'} | ${num(c.failing_rows)} / ${num(c.total_rows)} | ${threshold(c.threshold)} | ${what} |\n`);
    }
    blocks.push('\n');
  }
  if (report.datasets.length) {
    blocks.push('**Datasets**\n\n| Dataset | Rows | Source | Content hash |\n|---|---:|---|---|\n');
    for (const d of report.datasets) {
      const source = Array.isArray(d.source) ? d.source.join(', ') : d.source;
      const hash = d.content_hash ? `\`${d.content_hash.replace(/^sha256:/, '').slice(0, 12)}\`` : '—';
      blocks.push(`| ${cell(d.name)} | ${d.error ? `💥 ${cell(d.error, 200)}` : num(d.row_count)} | ${d.kind === 'sql' ? `SQL: \`${cell(source, 120)}\`` : `\`${cell(source, 160)}\``} | ${hash} |\n`);
    }
    blocks.push('\n');
  }
  for (const c of checks) {
    // anomaly checks: the series and its bounds, open when the check did not pass
    if (c.chart) blocks.push(`<details${c.status === 'pass' ? '' : ' open'}><summary>${statusLabel(c.status)} <code>${cell(c.id)}</code>: history</summary>\n\n${c.chart}\n\n</details>\n\n`);
  }
  for (const c of checks) {
    if (c.status === 'pass' || c.samples.length === 0) continue;
    const samples = c.samples.slice(0, opts.maxSamples ?? c.samples.length);
    const cols = [...new Set(samples.flatMap((s) => Object.keys(s)))];
    const lines = [
      `<details><summary>${statusLabel(c.status)} <code>${cell(c.id)}</code>: ${samples.length} sample${samples.length === 1 ? '' : 's'} of ${num(c.failing_rows)} failing row${c.failing_rows === 1 ? '' : 's'}</summary>`,
      '',
      `| ${cols.map((k) => cell(k)).join(' | ')} |`,
      `|${cols.map(() => '---').join('|')}|`,
      ...samples.map((s) => `| ${cols.map((k) => cell(s[k], 120)).join(' | ')} |`),
      '',
      '</details>',
      '',
    ];
    blocks.push(lines.join('\n') + '\n');
  }
  return blocks;
}

/**
 * Renders the summary of `reports` (one suite each) within `maxBytes` UTF-8 bytes.
 * With several reports an overall header comes first, then the suites worst first.
 */
export function renderSummary(reports: readonly Report[], options: SummaryOptions = {}): string {
  const maxBytes = options.maxBytes ?? STEP_SUMMARY_LIMIT;
  const blocks: string[] = [];
  const ordered = byStatus(reports, (r) => r.status);
  if (reports.length > 1) {
    const total = { total: 0, pass: 0, warn: 0, fail: 0, error: 0 };
    for (const r of reports) for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += r.counts[k];
    const failing = reports.filter((r) => r.failed_step).length;
    blocks.push(`## ${STATUS_EMOJI[overallStatus(reports)]} Data quality: ${reports.length} suites — ${overallStatus(reports)}\n\n${countsLine(total)} · ${failing ? `${failing} suite${failing === 1 ? '' : 's'} fail${failing === 1 ? 's' : ''} the step` : 'the step passes'}\n\n`);
  }
  for (const r of ordered) blocks.push(...reportBlocks(r, reports.length > 1 ? '###' : '##', options));

  const total = blocks.reduce((n, b) => n + Buffer.byteLength(b), 0);
  if (total <= maxBytes) return blocks.join('');
  const note = (shown: number) =>
    `\n\n> [!NOTE]\n> Summary truncated to ${Math.floor(shown / 1024)} KiB of ${Math.ceil(total / 1024)} KiB (GitHub's limit); the full results are in the JSON report${options.reportPath ? ` (\`${cell(options.reportPath)}\`)` : ''} and the JUnit file.\n`;
  const budget = maxBytes - Buffer.byteLength(note(maxBytes)) - 16;
  let used = 0;
  let out = '';
  for (const b of blocks) {
    const size = Buffer.byteLength(b);
    if (used + size > budget) break;
    out += b;
    used += size;
  }
  return out + note(used);
}
