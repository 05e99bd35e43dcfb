/**
 * Anomaly detection for `type: anomaly` checks: a metric's value now against its own recorded
 * history, with robust statistics (median and median absolute deviation, as Elementary's and
 * Soda's anomaly checks do with z-scores, but insensitive to the anomalies already in the
 * history): the value fails when it lies more than `sensitivity` robust standard deviations
 * (1.4826 × MAD, the normal-consistent scale) from the median of the last `window` points. With
 * `seasonality: weekday` only the points of the same UTC weekday are compared (a Saturday with
 * 12% fewer flights than a Tuesday is normal). A change smaller than `min_change_percent` of the
 * median never fails (Elementary's `ignore_small_changes`: a schedule change of a few percent is
 * not an incident, however steady the history was). Fewer than `min_history` points: the check
 * passes and says how many it has.
 */
import { groupDigits } from '../report/summary.ts';

/** One point of a metric's history. */
export interface SeriesPoint {
  /** ISO 8601 UTC time of the run. */
  at: string;
  value: number;
}

/** Settings of {@link detectAnomaly} (the check's fields). */
export interface AnomalySettings {
  window: number;
  bucket: 'run' | 'day';
  seasonality: 'none' | 'weekday';
  min_history: number;
  sensitivity: number;
  direction: 'both' | 'up' | 'down';
  /** Changes smaller than this percentage of the median never fail. */
  min_change_percent: number;
}

/** What {@link detectAnomaly} found. */
export interface AnomalyVerdict {
  anomalous: boolean;
  /** Points compared with, oldest first. */
  points: SeriesPoint[];
  /** Whether there were enough points (min_history) to judge. */
  enough: boolean;
  median?: number;
  /** Robust standard deviation: 1.4826 × MAD, floored (see {@link robustScale}). */
  scale?: number;
  lower?: number;
  upper?: number;
  /** Distance from the median in robust standard deviations. */
  score?: number;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

/** The median of `xs` (not empty). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The robust standard deviation of `xs` around `m`: 1.4826 × MAD, floored at 0.1% of |m| (and
 * 1e-9) so a constant history (no nulls ever, the same row count every day) still flags a change
 * instead of dividing by zero.
 */
export function robustScale(xs: readonly number[], m: number): number {
  const mad = median(xs.map((x) => Math.abs(x - m)));
  return Math.max(1.4826 * mad, Math.abs(m) * 1e-3, 1e-9);
}

/**
 * The points a value at `at` is compared with: with `bucket: day` the newest point of each UTC day
 * (the current day excluded), with `seasonality: weekday` only the same weekday, then the last
 * `window` of them, oldest first. `history` may come in any order; points at or after `at` are ignored.
 */
export function comparablePoints(history: readonly SeriesPoint[], at: string, s: Pick<AnomalySettings, 'window' | 'bucket' | 'seasonality'>): SeriesPoint[] {
  let pts = history.filter((p) => p.at < at).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  if (s.bucket === 'day') {
    const day = at.slice(0, 10);
    const byDay = new Map<string, SeriesPoint>();
    for (const p of pts) if (p.at.slice(0, 10) !== day) byDay.set(p.at.slice(0, 10), p);
    pts = [...byDay.values()];
  }
  if (s.seasonality === 'weekday') {
    const wd = new Date(at).getUTCDay();
    pts = pts.filter((p) => new Date(p.at).getUTCDay() === wd);
  }
  return pts.slice(-s.window);
}

/** Judges `value` at time `at` against `history` (see the module doc). */
export function detectAnomaly(value: number, at: string, history: readonly SeriesPoint[], s: AnomalySettings): AnomalyVerdict {
  const points = comparablePoints(history, at, s);
  if (points.length < s.min_history) return { anomalous: false, points, enough: false };
  const values = points.map((p) => p.value);
  const m = median(values);
  const scale = robustScale(values, m);
  const lower = m - s.sensitivity * scale;
  const upper = m + s.sensitivity * scale;
  const big = Math.abs(value - m) >= (s.min_change_percent / 100) * Math.abs(m);
  const anomalous = big && ((s.direction !== 'down' && value > upper) || (s.direction !== 'up' && value < lower));
  return { anomalous, points, enough: true, median: m, scale, lower, upper, score: (value - m) / scale };
}

/** A number for messages: grouped integers, else 4 significant digits. */
export function fmt(n: number): string {
  return Number.isInteger(n) ? groupDigits(n) : Math.abs(n) >= 1000 ? groupDigits(Math.round(n)) : String(Number(n.toPrecision(4)));
}

/** The sentence of a verdict, e.g. `12,001 is below the expected 15,902 – 17,869 (median 16,885.5 ± 3 × 328 over 8 Monday days of main)`. */
export function anomalyMessage(what: string, value: number, v: AnomalyVerdict, s: AnomalySettings, at: string, source: string): string {
  const unit = s.bucket === 'day' ? 'day' : 'run';
  const season = s.seasonality === 'weekday' ? ` ${WEEKDAYS[new Date(at).getUTCDay()]}` : '';
  const over = `${v.points.length}${season} ${unit}${v.points.length === 1 ? '' : 's'} of ${source}`;
  if (!v.enough) return `${what} is ${fmt(value)}; ${over} recorded, ${s.min_history} needed before it can fail`;
  const where = v.anomalous ? (value > v.upper! ? 'is above' : 'is below') : 'is within';
  return `${what} ${fmt(value)} ${where} the expected ${fmt(v.lower!)} – ${fmt(v.upper!)} (median ${fmt(v.median!)} ± ${s.sensitivity} × ${fmt(v.scale!)} over ${over}; ${fmt(Math.abs(v.score!))} robust σ)`;
}

/**
 * A Mermaid `xychart-beta` of the series, the value now and the bounds (GitHub renders it in
 * job summaries and check runs): one line for the values, two for the bounds.
 */
export function anomalyChart(title: string, value: number, at: string, v: AnomalyVerdict): string {
  const pts = [...v.points, { at, value }];
  const label = (p: SeriesPoint) => `"${p.at.slice(5, 10)}${v.points.some((q) => q !== p && q.at.slice(0, 10) === p.at.slice(0, 10)) ? ` ${p.at.slice(11, 16)}` : ''}"`;
  const n = (x: number) => String(Number(x.toPrecision(6)));
  const lines = ['```mermaid', 'xychart-beta', `  title "${title.replace(/"/g, "'")}"`, `  x-axis [${pts.map(label).join(', ')}]`, `  line [${pts.map((p) => n(p.value)).join(', ')}]`];
  if (v.enough) {
    lines.push(`  line [${pts.map(() => n(v.upper!)).join(', ')}]`);
    lines.push(`  line [${pts.map(() => n(v.lower!)).join(', ')}]`);
  }
  lines.push('```');
  return lines.join('\n');
}
