/**
 * Runs a GitHub Action locally the way the runner does, for tests:
 * - inputs: declared inputs with defaults (expressions in defaults evaluated, e.g. `${{ github.token }}`);
 *   JavaScript actions get them as `INPUT_<NAME>` (upper-cased, spaces → `_`), composites as the `inputs` context;
 * - composite steps in order with `if:` (default `success()`; `always()`, `failure()`, `cancelled()`),
 *   `env:`, `with:`, `shell:` and `continue-on-error`, expressions evaluated by GitHub's own
 *   expression engine (`@actions/expressions`) over the `inputs`, `steps`, `github`, `env`, `runner` contexts;
 * - file commands: `GITHUB_OUTPUT` (`k=v` and heredoc `k<<DELIM`), `GITHUB_ENV`, `GITHUB_STEP_SUMMARY` per step;
 * - composite `outputs.<name>.value` evaluated after the steps;
 * - `uses:` resolves `./path` against the workspace and `dataops-actions/dataops-actions/<path>@<ref>`
 *   to this repository's checkout (the release the ref names); anything else is refused.
 * Node actions run as `node <action dir>/<runs.main>` (the committed dist/ bundle).
 * Docs: https://docs.github.com/en/actions/sharing-automations/creating-actions/metadata-syntax-for-github-actions
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import { parse } from 'yaml';

/** What the harness needs to know about the run. */
export interface HarnessOptions {
  /** GITHUB_WORKSPACE and the working directory of every step. */
  workspace: string;
  /** Checkout of dataops-actions that `dataops-actions/dataops-actions/...@ref` resolves to. */
  repoRoot: string;
  /** Extra environment for every step (GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_SHA…). */
  env?: Record<string, string>;
  /** `github` context (token, repository, sha, event_name…). */
  github?: Record<string, unknown>;
  /** Per-step timeout. Default 5 minutes. */
  stepTimeoutMs?: number;
}

/** What one step did. */
export interface StepRecord {
  id: string;
  uses?: string;
  run?: string;
  outcome: 'success' | 'failure' | 'skipped';
  outputs: Record<string, string>;
  /** Inputs (`with:`) as evaluated. */
  with: Record<string, string>;
  /** Step `env:` as evaluated. */
  env: Record<string, string>;
  stdout: string;
  stderr: string;
  /** Nested run, for composite actions used by this step. */
  nested?: ActionRun;
}

/** Result of running one action. */
export interface ActionRun {
  outcome: 'success' | 'failure';
  outputs: Record<string, string>;
  steps: StepRecord[];
  /** Concatenated job summaries of the steps. */
  summary: string;
  /** `::error`/`::warning`/`::notice` workflow commands printed by the action. */
  annotations: Array<{ level: string; message: string; props: string }>;
  /** Warnings the runner would print (e.g. unexpected inputs). */
  warnings: string[];
  stdout: string;
}

interface ActionMeta {
  name?: string;
  inputs?: Record<string, { default?: unknown; required?: boolean }>;
  outputs?: Record<string, { value?: string }>;
  runs: { using: string; main?: string; steps?: Array<Record<string, unknown>> };
}

const OWN_REPO = 'dataops-actions/dataops-actions';
const CONTEXTS = ['github', 'env', 'inputs', 'steps', 'runner', 'job', 'matrix', 'strategy', 'secrets', 'vars', 'needs'];

function toData(value: unknown): data.Dictionary {
  return JSON.parse(JSON.stringify(value ?? {}), data.reviver) as data.Dictionary;
}

function truthy(d: data.ExpressionData): boolean {
  switch (d.kind) {
    case data.Kind.Null:
      return false;
    case data.Kind.Boolean:
      return (d).value;
    case data.Kind.Number:
      return (d).value !== 0 && !Number.isNaN((d).value);
    case data.Kind.String:
      return (d).value !== '';
    default:
      return true;
  }
}

/** Evaluates one expression (without `${{ }}`) over `ctx`; `failed` drives the status functions. */
export function evaluate(expr: string, ctx: Record<string, unknown>, failed = false): data.ExpressionData {
  const lexed = new Lexer(expr).lex();
  const statusFns = [
    { name: 'success', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(!failed) },
    { name: 'failure', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(failed) },
    { name: 'always', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(true) },
    { name: 'cancelled', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(false) },
  ];
  const ast = new Parser(lexed.tokens, CONTEXTS, statusFns).parse();
  const context = new data.Dictionary();
  for (const name of CONTEXTS) context.add(name, toData(ctx[name]));
  return new Evaluator(ast, context, new Map(statusFns.map((f) => [f.name, f]))).evaluate();
}

/** Replaces every `${{ expr }}` in `template` by its string value (the runner's string interpolation). */
export function interpolate(template: string, ctx: Record<string, unknown>): string {
  return template.replace(/\$\{\{([\s\S]*?)\}\}/g, (_m, expr: string) => {
    const v = evaluate(expr.trim(), ctx);
    return v.kind === data.Kind.Null ? '' : v.coerceString();
  });
}

/** Evaluates an `if:` condition: bare or wrapped; `success()` is implied unless a status function is used. */
function condition(cond: unknown, ctx: Record<string, unknown>, failed: boolean): boolean {
  if (cond === undefined || cond === null || cond === '') return !failed;
  let expr = String(cond).trim();
  const wrapped = /^\$\{\{([\s\S]*)\}\}$/.exec(expr);
  if (wrapped) expr = wrapped[1]!.trim();
  if (!/\b(success|failure|always|cancelled)\s*\(/.test(expr)) expr = `success() && (${expr})`;
  return truthy(evaluate(expr, ctx, failed));
}

/** Parses a GITHUB_OUTPUT / GITHUB_ENV file: `name=value` lines and `name<<DELIM` … `DELIM` blocks. */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]!);
      out[name!] = value.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** Directory of the action a `uses:` value names. */
export function resolveUses(uses: string, opts: HarnessOptions): string {
  if (uses.startsWith('./')) return path.resolve(opts.workspace, uses);
  const at = uses.lastIndexOf('@');
  const target = at > 0 ? uses.slice(0, at) : uses;
  if (target === OWN_REPO) return opts.repoRoot;
  if (target.startsWith(`${OWN_REPO}/`)) return path.join(opts.repoRoot, target.slice(OWN_REPO.length + 1));
  throw new Error(`harness: cannot fetch remote action "${uses}" (only ./ and ${OWN_REPO} resolve locally)`);
}

function run(cmd: string, args: string[], env: Record<string, string>, cwd: string, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

function annotationsOf(stdout: string): ActionRun['annotations'] {
  const out: ActionRun['annotations'] = [];
  for (const m of stdout.matchAll(/^::(error|warning|notice)( [^:]*)?::(.*)$/gm)) out.push({ level: m[1]!, props: (m[2] ?? '').trim(), message: m[3]! });
  return out;
}

/** Runs the action in `actionDir` with `inputs` (values as given under `with:`). */
export async function runLocalAction(actionDir: string, inputs: Record<string, string>, opts: HarnessOptions): Promise<ActionRun> {
  const meta = parse(await readFile(path.join(actionDir, existsYml(actionDir)), 'utf8')) as ActionMeta;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dataops-harness-'));
  try {
    return await runWith(actionDir, meta, inputs, opts, tmp);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function existsYml(dir: string): string {
  // action.yml is what this repository uses; the runner accepts action.yaml too
  return existsSync(path.join(dir, 'action.yml')) ? 'action.yml' : 'action.yaml';
}

async function runWith(actionDir: string, meta: ActionMeta, given: Record<string, string>, opts: HarnessOptions, tmp: string): Promise<ActionRun> {
  const github = { token: '', repository: 'octo/pipeline', sha: '0'.repeat(40), ref: 'refs/heads/main', event_name: 'push', action_path: actionDir, workspace: opts.workspace, ...opts.github };
  const runner = { temp: tmp, os: 'Linux', arch: 'X64' };
  const baseCtx = { github, runner, env: opts.env ?? {} };
  const warnings: string[] = [];
  const inputs: Record<string, string> = {};
  for (const [name, def] of Object.entries(meta.inputs ?? {})) {
    if (given[name] !== undefined) inputs[name] = given[name];
    else if (def.default !== undefined) inputs[name] = interpolate(String(def.default), baseCtx);
    else inputs[name] = '';
  }
  for (const name of Object.keys(given)) if (!(name in (meta.inputs ?? {}))) warnings.push(`Unexpected input(s) '${name}', valid inputs are [${Object.keys(meta.inputs ?? {}).join(', ')}]`);

  // Like the runner, steps inherit the machine's environment (proxy and CA settings included, which
  // `npm ci` of a runtime package needs), minus any runner protocol variables of the test process.
  const inherited = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !/^(INPUT_|GITHUB_|RUNNER_|STATE_)/.test(e[0])));
  const baseEnv: Record<string, string> = {
    ...inherited,
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmp,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: opts.workspace,
    GITHUB_REPOSITORY: String(github.repository),
    GITHUB_SHA: String(github.sha),
    GITHUB_REF: String(github.ref),
    GITHUB_EVENT_NAME: String(github.event_name),
    RUNNER_TEMP: tmp,
    RUNNER_OS: 'Linux',
    ...opts.env,
  };
  const timeout = opts.stepTimeoutMs ?? 300_000;
  let n = 0;
  const fileCommands = async () => {
    n++;
    const files = { GITHUB_OUTPUT: path.join(tmp, `output-${n}`), GITHUB_ENV: path.join(tmp, `env-${n}`), GITHUB_STEP_SUMMARY: path.join(tmp, `summary-${n}`), GITHUB_PATH: path.join(tmp, `path-${n}`), GITHUB_STATE: path.join(tmp, `state-${n}`) };
    for (const f of Object.values(files)) await writeFile(f, '');
    return files;
  };

  if (meta.runs.using.startsWith('node')) {
    const files = await fileCommands();
    const env: Record<string, string> = { ...baseEnv, ...files, GITHUB_ACTION_PATH: actionDir };
    for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
    const r = await run(process.execPath, [path.join(actionDir, meta.runs.main ?? 'index.js')], env, opts.workspace, timeout);
    return {
      outcome: r.code === 0 ? 'success' : 'failure',
      outputs: parseFileCommands(await readFile(files.GITHUB_OUTPUT, 'utf8')),
      steps: [],
      summary: await readFile(files.GITHUB_STEP_SUMMARY, 'utf8'),
      annotations: annotationsOf(r.stdout),
      warnings,
      stdout: r.stdout + r.stderr,
    };
  }
  if (meta.runs.using !== 'composite') throw new Error(`harness: runs.using "${meta.runs.using}" is not supported`);

  const steps: Record<string, { outputs: Record<string, string>; outcome: string; conclusion: string }> = {};
  const records: StepRecord[] = [];
  const annotations: ActionRun['annotations'] = [];
  let summary = '';
  let stdoutAll = '';
  let failed = false;
  let addedEnv: Record<string, string> = {};
  for (const [i, step] of (meta.runs.steps ?? []).entries()) {
    const id = typeof step.id === 'string' ? step.id : `__${i}`;
    const ctx = { ...baseCtx, inputs, steps, env: { ...baseCtx.env, ...addedEnv } };
    const record: StepRecord = { id, outcome: 'skipped', outputs: {}, with: {}, env: {}, stdout: '', stderr: '' };
    if (typeof step.uses === 'string') record.uses = step.uses;
    if (typeof step.run === 'string') record.run = step.run;
    records.push(record);
    if (!condition(step.if, ctx, failed)) {
      steps[id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
      continue;
    }
    for (const [k, v] of Object.entries((step.env ?? {}) as Record<string, unknown>)) record.env[k] = interpolate(String(v), ctx);
    for (const [k, v] of Object.entries((step.with ?? {}) as Record<string, unknown>)) record.with[k] = interpolate(String(v), ctx);
    let ok: boolean;
    if (record.uses) {
      const nested = await runLocalAction(resolveUses(record.uses, opts), record.with, { ...opts, env: { ...opts.env, ...addedEnv, ...record.env } });
      record.nested = nested;
      record.outputs = nested.outputs;
      record.stdout = nested.stdout;
      summary += nested.summary;
      annotations.push(...nested.annotations);
      warnings.push(...nested.warnings);
      ok = nested.outcome === 'success';
    } else if (record.run !== undefined) {
      const shell = typeof step.shell === 'string' ? step.shell : undefined;
      if (!shell) throw new Error(`harness: composite step ${id} has run: without shell: (required in composite actions)`);
      const files = await fileCommands();
      const script = path.join(tmp, `step-${n}.sh`);
      await writeFile(script, interpolate(record.run, ctx));
      const argv = shell === 'bash' ? ['bash', ['--noprofile', '--norc', '-eo', 'pipefail', script]] : shell === 'sh' ? ['sh', ['-e', script]] : ['bash', ['-c', shell.replace('{0}', script)]];
      const r = await run(argv[0] as string, argv[1] as string[], { ...baseEnv, ...addedEnv, ...record.env, ...files, GITHUB_ACTION_PATH: actionDir }, opts.workspace, timeout);
      record.stdout = r.stdout;
      record.stderr = r.stderr;
      record.outputs = parseFileCommands(await readFile(files.GITHUB_OUTPUT, 'utf8'));
      addedEnv = { ...addedEnv, ...parseFileCommands(await readFile(files.GITHUB_ENV, 'utf8')) };
      summary += await readFile(files.GITHUB_STEP_SUMMARY, 'utf8');
      annotations.push(...annotationsOf(r.stdout));
      ok = r.code === 0;
    } else {
      throw new Error(`harness: step ${id} has neither uses: nor run:`);
    }
    stdoutAll += record.stdout;
    record.outcome = ok ? 'success' : 'failure';
    const continueOnError = step['continue-on-error'] === true || step['continue-on-error'] === 'true';
    steps[id] = { outputs: record.outputs, outcome: record.outcome, conclusion: ok || continueOnError ? 'success' : 'failure' };
    if (!ok && !continueOnError) failed = true;
  }
  const outCtx = { ...baseCtx, inputs, steps };
  const outputs: Record<string, string> = {};
  for (const [name, def] of Object.entries(meta.outputs ?? {})) outputs[name] = def.value ? interpolate(def.value, outCtx) : '';
  return { outcome: failed ? 'failure' : 'success', outputs, steps: records, summary, annotations, warnings, stdout: stdoutAll };
}
