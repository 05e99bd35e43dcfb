/**
 * Terminal output of the `dataops` CLI: colour only on a TTY (and never with NO_COLOR),
 * plain lines otherwise so CI logs stay readable.
 */
const useColor = process.stdout.isTTY === true && !process.env.NO_COLOR;
const wrap = (code: number) => (s: string) => (useColor ? `\u001b[${code}m${s}\u001b[0m` : s);

export const color = { red: wrap(31), green: wrap(32), yellow: wrap(33), blue: wrap(34), dim: wrap(2), bold: wrap(1) };

/**
 * Characters a terminal acts on instead of showing: C0 controls (ESC starts the escape sequences
 * that move the cursor, retitle the window or write links), DEL, C1 controls (U+009B is a one-byte
 * CSI), and the bidirectional and line-separator marks that reorder or split what is shown.
 */
// eslint-disable-next-line no-control-regex -- the control characters are what it matches
const TERMINAL_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
/** {@link TERMINAL_UNSAFE} but C0: JSON.stringify escapes C0 controls in strings, and its indentation is newlines. */
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
const escaped = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** `text` (from a registry, an artifact, any hostile source) with every {@link TERMINAL_UNSAFE} character written as a visible `\uXXXX`. */
export function terminalSafe(text: string): string {
  return text.replace(TERMINAL_UNSAFE, escaped);
}

/** `value` as indented JSON whose strings hold no {@link TERMINAL_UNSAFE} character raw: the same JSON value, printable on a terminal. */
export function terminalSafeJson(value: unknown): string {
  // the others become \uXXXX escapes, which JSON reads back as the same characters
  return JSON.stringify(value, null, 2).replace(JSON_UNSAFE, escaped);
}

/** Status word, coloured: pass/passed green, warn yellow, fail/error red, skipped dim. */
export function statusLabel(status: string): string {
  const s = status.toUpperCase();
  if (/^(PASS|PASSED|OK|SUCCESS)$/.test(s)) return color.green(s);
  if (/^(WARN|WARNED)$/.test(s)) return color.yellow(s);
  if (/^(FAIL|FAILED|ERROR|FAILURE)$/.test(s)) return color.red(s);
  return color.dim(s);
}

/** Milliseconds as `850 ms` / `12.3 s` / `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Writes a line to stderr (progress), keeping stdout for results. */
export function progress(line: string): void {
  process.stderr.write(line + '\n');
}

/** Asks a yes/no question on the terminal; false when stdin is not a TTY. */
export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
