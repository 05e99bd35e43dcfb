/**
 * Runs a GitHub Action locally the way the runner does, for tests — and the step runner the
 * workflow harness (tests/helpers/workflow-harness.ts) runs job steps with:
 * - inputs: declared inputs with defaults (expressions in defaults evaluated, e.g. `${{ github.token }}`);
 *   JavaScript actions get them as `INPUT_<NAME>` (upper-cased, spaces → `_`), composites as the `inputs` context;
 * - steps in order with `if:` (default `success()`; `always()`, `failure()`, `cancelled()`),
 *   `env:`, `with:`, `shell:` (required in composites; `bash` by default in jobs), `working-directory`
 *   and `continue-on-error`, expressions evaluated by GitHub's own expression engine
 *   (`@actions/expressions`) over the `inputs`, `steps`, `github`, `env`, `runner` contexts (plus
 *   `needs`, `matrix`, `secrets`, `vars`, `job`, `strategy`, `jobs` in workflows);
 * - file commands: `GITHUB_OUTPUT` (`k=v` and heredoc `k<<DELIM`), `GITHUB_ENV`, `GITHUB_PATH`,
 *   `GITHUB_STEP_SUMMARY` per step, in `$RUNNER_TEMP/_runner_file_commands/` as the runner keeps them;
 * - composite `outputs.<name>.value` evaluated after the steps;
 * - `uses:` resolves `./path` against the workspace and `dataops-actions/dataops-actions/<path>@<ref>`
 *   to this repository's checkout (the release the ref names); anything else is refused unless
 *   `resolveAction` (the workflow harness) maps it to a stand-in.
 * Node actions run as `node <action dir>/<runs.main>` (the committed dist/ bundle).
 * Docs: https://docs.github.com/en/actions/sharing-automations/creating-actions/metadata-syntax-for-github-actions
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import { parse } from 'yaml';

/**
 * A local replacement of a third-party action (the workflow harness's stand-ins): declared inputs
 * (defaults may hold expressions) and a function doing what the action does, in-process.
 */
export interface StandIn {
  /** What it replaces, e.g. `actions/checkout` — shown in records and errors. */
  name: string;
  inputs: Record<string, { default?: string; required?: boolean }>;
  run(ctx: StandInContext): Promise<StandInResult>;
}

/** What a stand-in gets: its inputs (defaults applied), the step's environment and the job's directories. */
export interface StandInContext {
  inputs: Record<string, string>;
  /** The step's process environment (runner variables, job/step env, GITHUB_ENV additions). */
  env: Record<string, string>;
  workspace: string;
  runnerTemp: string;
  /** Appends a line to the step log. */
  log(line: string): void;
}

/** What a stand-in did. */
export interface StandInResult {
  ok: boolean;
  outputs?: Record<string, string>;
  /** Variables exported for later steps (as `GITHUB_ENV` lines would). */
  exportEnv?: Record<string, string>;
  summary?: string;
  /** Error message (printed as an `::error::` annotation, as actions/core's setFailed does). */
  error?: string;
}

/** What `uses:` resolves to: an action directory (action.yml) or a stand-in. */
export type ResolvedAction = { dir: string } | { standIn: StandIn };

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
  /** RUNNER_TEMP kept for the whole job (default: a temporary directory per action run, removed after). */
  runnerTemp?: string;
  /** Resolves a `uses:` value (default {@link resolveUses}); the workflow harness maps third-party actions to stand-ins. */
  resolveAction?: (uses: string) => ResolvedAction;
}

/** What one step did. */
export interface StepRecord {
  id: string;
  name?: string;
  uses?: string;
  /** The stand-in that ran instead of the third-party action `uses` names. */
  standIn?: string;
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

/** Result of running one action (or one job's steps). */
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
  /** Variables the action exported for later steps (`GITHUB_ENV`, or a stand-in's `exportEnv`). */
  exportEnv?: Record<string, string>;
  /** Directories the action added to PATH for later steps (`GITHUB_PATH`). */
  addPath?: string[];
}

interface ActionMeta {
  name?: string;
  inputs?: Record<string, { default?: unknown; required?: boolean }>;
  outputs?: Record<string, { value?: string }>;
  runs: { using: string; main?: string; steps?: StepSpec[] };
}

/** A step as written in YAML (a composite's `runs.steps` or a job's `steps`). */
export interface StepSpec {
  id?: unknown;
  name?: unknown;
  if?: unknown;
  uses?: unknown;
  run?: unknown;
  shell?: unknown;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  'continue-on-error'?: unknown;
  'working-directory'?: unknown;
  'timeout-minutes'?: unknown;
}

const OWN_REPO = 'dataops-actions/dataops-actions';
/** Named contexts an expression may read (GitHub's contexts; unknown names are parse errors). */
export const CONTEXTS = ['github', 'env', 'inputs', 'steps', 'runner', 'job', 'jobs', 'matrix', 'strategy', 'secrets', 'vars', 'needs'];

function toData(value: unknown): data.Dictionary {
  return JSON.parse(JSON.stringify(value ?? {}), data.reviver) as data.Dictionary;
}

/** An expression result as a plain JavaScript value (null, boolean, number, string, array, object). */
export function toJs(d: data.ExpressionData): unknown {
  return JSON.parse(JSON.stringify(d, data.replacer)) as unknown;
}

/** GitHub's truthiness of an expression result. */
export function truthy(d: data.ExpressionData): boolean {
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

/**
 * What the status functions answer: for steps, whether an earlier step failed; for jobs, whether
 * every job in `needs` succeeded (`success()`) and whether one failed (`failure()`).
 */
export type Status = boolean | { success: boolean; failure: boolean };

/** Evaluates one expression (without `${{ }}`) over `ctx`; `status` (a step failed, or a job's needs) drives the status functions. */
export function evaluate(expr: string, ctx: Record<string, unknown>, status: Status = false): data.ExpressionData {
  const lexed = new Lexer(expr).lex();
  const { success, failure } = typeof status === 'boolean' ? { success: !status, failure: status } : status;
  const statusFns = [
    { name: 'success', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(success) },
    { name: 'failure', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(failure) },
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

/**
 * A YAML value with its expressions evaluated, keeping types the way the runner does: a string that
 * is exactly one `${{ expr }}` gives the expression's typed value (boolean, number, object…), a
 * string with expressions inside text gives a string, mappings and sequences are evaluated deeply.
 */
export function evaluateValue(value: unknown, ctx: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = /^\s*\$\{\{([\s\S]*?)\}\}\s*$/.exec(value);
    if (whole && !whole[1]!.includes('}}')) return toJs(evaluate(whole[1]!.trim(), ctx));
    return value.includes('${{') ? interpolate(value, ctx) : value;
  }
  if (Array.isArray(value)) return value.map((v) => evaluateValue(v, ctx));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluateValue(v, ctx)]));
  return value;
}

/** A value as the runner passes it to an action input or an environment variable. */
export function asString(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Evaluates an `if:` condition: bare or wrapped; `success()` is implied unless a status function is used. */
export function condition(cond: unknown, ctx: Record<string, unknown>, status: Status): boolean {
  const ok = typeof status === 'boolean' ? !status : status.success;
  if (cond === undefined || cond === null || cond === '') return ok;
  if (typeof cond === 'boolean') return ok && cond;
  let expr = String(cond).trim();
  const wrapped = /^\$\{\{([\s\S]*)\}\}$/.exec(expr);
  if (wrapped) expr = wrapped[1]!.trim();
  if (!/\b(success|failure|always|cancelled)\s*\(/.test(expr)) expr = `success() && (${expr})`;
  return truthy(evaluate(expr, ctx, status));
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
export function resolveUses(uses: string, opts: Pick<HarnessOptions, 'workspace' | 'repoRoot'>): string {
  if (uses.startsWith('./')) return path.resolve(opts.workspace, uses);
  const at = uses.lastIndexOf('@');
  const target = at > 0 ? uses.slice(0, at) : uses;
  if (target === OWN_REPO) return opts.repoRoot;
  if (target.startsWith(`${OWN_REPO}/`)) return path.join(opts.repoRoot, target.slice(OWN_REPO.length + 1));
  throw new Error(`harness: cannot fetch remote action "${uses}" (only ./ and ${OWN_REPO} resolve locally)`);
}

/** Runs `cmd` with a clean stdin; resolves the exit code (1 when killed) and both streams. */
export function runProcess(cmd: string, args: string[], env: Record<string, string>, cwd: string, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
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
  if (opts.runnerTemp) return runWith({ dir: actionDir, meta }, inputs, opts, opts.runnerTemp);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dataops-harness-'));
  try {
    return await runWith({ dir: actionDir, meta }, inputs, opts, tmp);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Runs a stand-in with `inputs` like an action (declared inputs and defaults, unexpected-input warnings). */
export async function runStandIn(standIn: StandIn, inputs: Record<string, string>, opts: HarnessOptions & { runnerTemp: string }): Promise<ActionRun> {
  const meta: ActionMeta = { name: standIn.name, inputs: standIn.inputs, runs: { using: 'stand-in' } };
  return runWith({ dir: opts.workspace, meta, standIn }, inputs, opts, opts.runnerTemp);
}

function existsYml(dir: string): string {
  // action.yml is what this repository uses; the runner accepts action.yaml too
  return existsSync(path.join(dir, 'action.yml')) ? 'action.yml' : 'action.yaml';
}

/** The environment a runner gives every step: the machine's, minus runner-protocol variables of the test process. */
export function machineEnv(): Record<string, string> {
  // proxy and CA settings included, which `npm ci` of a runtime package needs
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !/^(INPUT_|GITHUB_|RUNNER_|STATE_|ACTIONS_)/.test(e[0])));
}

async function runWith(action: { dir: string; meta: ActionMeta; standIn?: StandIn }, given: Record<string, string>, opts: HarnessOptions, tmp: string): Promise<ActionRun> {
  const { meta } = action;
  const github = { token: '', repository: 'octo/pipeline', sha: '0'.repeat(40), ref: 'refs/heads/main', event_name: 'push', workspace: opts.workspace, ...opts.github, action_path: action.dir };
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

  const baseEnv: Record<string, string> = {
    ...machineEnv(),
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

  if (action.standIn) {
    const files = await fileCommands(tmp);
    let log = '';
    const r = await action.standIn.run({ inputs, env: { ...baseEnv, ...files }, workspace: opts.workspace, runnerTemp: tmp, log: (l) => (log += `${l}\n`) });
    if (r.error) log += `::error::${r.error}\n`;
    return {
      outcome: r.ok ? 'success' : 'failure',
      outputs: r.outputs ?? {},
      steps: [],
      summary: r.summary ?? '',
      annotations: annotationsOf(log),
      warnings,
      stdout: log,
      ...(r.exportEnv ? { exportEnv: r.exportEnv } : {}),
    };
  }

  if (meta.runs.using.startsWith('node')) {
    const files = await fileCommands(tmp);
    const env: Record<string, string> = { ...baseEnv, ...files, GITHUB_ACTION_PATH: action.dir };
    for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
    const r = await runProcess(process.execPath, [path.join(action.dir, meta.runs.main ?? 'index.js')], env, opts.workspace, timeout);
    return {
      outcome: r.code === 0 ? 'success' : 'failure',
      outputs: parseFileCommands(await readFile(files.GITHUB_OUTPUT, 'utf8')),
      steps: [],
      summary: await readFile(files.GITHUB_STEP_SUMMARY, 'utf8'),
      annotations: annotationsOf(r.stdout),
      warnings,
      stdout: r.stdout + r.stderr,
      ...(await exportedEnv(files)),
    };
  }
  if (meta.runs.using !== 'composite') throw new Error(`harness: runs.using "${meta.runs.using}" is not supported`);

  const result = await runSteps(meta.runs.steps ?? [], {
    kind: 'composite',
    contexts: { ...baseCtx, inputs },
    processEnv: baseEnv,
    actionPath: action.dir,
    opts: { ...opts, runnerTemp: tmp },
  });
  const outCtx = { ...baseCtx, inputs, steps: result.stepsContext };
  const outputs: Record<string, string> = {};
  for (const [name, def] of Object.entries(meta.outputs ?? {})) outputs[name] = def.value ? interpolate(def.value, outCtx) : '';
  warnings.unshift(...result.warnings);
  return {
    outcome: result.failed ? 'failure' : 'success',
    outputs,
    steps: result.records,
    summary: result.summary,
    annotations: result.annotations,
    warnings,
    stdout: result.stdout,
    ...(Object.keys(result.exportEnv).length ? { exportEnv: result.exportEnv } : {}),
    ...(result.addPath.length ? { addPath: [...result.addPath].reverse() } : {}),
  };
}

type FileCommandFiles = { GITHUB_OUTPUT: string; GITHUB_ENV: string; GITHUB_STEP_SUMMARY: string; GITHUB_PATH: string; GITHUB_STATE: string };

/** Fresh file-command files for one step, under `<RUNNER_TEMP>/_runner_file_commands/` as the runner keeps them. */
async function fileCommands(runnerTemp: string): Promise<FileCommandFiles> {
  const base = path.join(runnerTemp, '_runner_file_commands');
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(path.join(base, 'step-'));
  const files = { GITHUB_OUTPUT: path.join(dir, 'set_output'), GITHUB_ENV: path.join(dir, 'set_env'), GITHUB_STEP_SUMMARY: path.join(dir, 'step_summary'), GITHUB_PATH: path.join(dir, 'add_path'), GITHUB_STATE: path.join(dir, 'save_state') };
  for (const f of Object.values(files)) await writeFile(f, '');
  return files;
}

async function exportedEnv(files: FileCommandFiles): Promise<{ exportEnv?: Record<string, string>; addPath?: string[] }> {
  const env = parseFileCommands(await readFile(files.GITHUB_ENV, 'utf8'));
  const paths = (await readFile(files.GITHUB_PATH, 'utf8')).split('\n').filter(Boolean);
  return { ...(Object.keys(env).length ? { exportEnv: env } : {}), ...(paths.length ? { addPath: paths } : {}) };
}

/** Where a list of steps runs: a composite action or a workflow job. */
export interface StepsScope {
  /** `composite`: `shell:` required; `job`: `bash` by default, `defaults.run` honoured. */
  kind: 'composite' | 'job';
  /** Contexts for expressions (`steps` and `env` are maintained by {@link runSteps}). */
  contexts: Record<string, unknown>;
  /** Environment of every step's process (the runner's variables, workflow/job env). */
  processEnv: Record<string, string>;
  /** GITHUB_ACTION_PATH for the steps of a composite. */
  actionPath?: string;
  /** `defaults.run` of the job. */
  defaults?: { shell?: string; 'working-directory'?: string };
  opts: HarnessOptions & { runnerTemp: string };
}

/** Outcome of {@link runSteps}. */
export interface StepsResult {
  failed: boolean;
  records: StepRecord[];
  /** The `steps` context after the last step. */
  stepsContext: Record<string, { outputs: Record<string, string>; outcome: string; conclusion: string }>;
  summary: string;
  annotations: ActionRun['annotations'];
  warnings: string[];
  stdout: string;
  /** Variables exported (GITHUB_ENV) by the steps: they stay set for the rest of the job. */
  exportEnv: Record<string, string>;
  /** Directories added to PATH (GITHUB_PATH) by the steps, first = searched first. */
  addPath: string[];
}

/** Argument vector of a `run:` step for `shell` (https://docs.github.com/en/actions/reference/workflow-syntax-for-github-actions#jobsjob_idstepsshell). */
function shellArgv(shell: string, script: string): [string, string[]] {
  if (shell === 'bash') return ['bash', ['--noprofile', '--norc', '-eo', 'pipefail', script]];
  if (shell === 'sh') return ['sh', ['-e', script]];
  if (shell === 'python') return ['python3', [script]];
  if (!shell.includes('{0}')) throw new Error(`harness: custom shell "${shell}" must contain {0}`);
  const parts = shell.replace('{0}', script).split(/\s+/);
  return [parts[0]!, parts.slice(1)];
}

/**
 * Runs `steps` in order with the runner's step semantics (see the file comment); `uses:` steps run
 * the resolved action (nested composites recurse) or stand-in.
 * @throws Error for a malformed step (the workflow harness reports it as a harness error).
 */
export async function runSteps(steps: StepSpec[], scope: StepsScope): Promise<StepsResult> {
  const { opts } = scope;
  const resolve = opts.resolveAction ?? ((uses: string) => ({ dir: resolveUses(uses, opts) }));
  const stepsCtx: StepsResult['stepsContext'] = {};
  const records: StepRecord[] = [];
  const annotations: ActionRun['annotations'] = [];
  const warnings: string[] = [];
  const timeout = opts.stepTimeoutMs ?? 300_000;
  let summary = '';
  let stdoutAll = '';
  let failed = false;
  let addedEnv: Record<string, string> = {};
  let addedPath: string[] = [];
  const baseEnvCtx = (scope.contexts.env ?? {}) as Record<string, string>;
  for (const [i, step] of steps.entries()) {
    const id = typeof step.id === 'string' ? step.id : `__${i}`;
    const ctx = { ...scope.contexts, steps: stepsCtx, env: { ...baseEnvCtx, ...addedEnv } };
    const record: StepRecord = { id, outcome: 'skipped', outputs: {}, with: {}, env: {}, stdout: '', stderr: '' };
    if (typeof step.name === 'string') record.name = interpolate(step.name, ctx);
    if (typeof step.uses === 'string') record.uses = step.uses;
    if (typeof step.run === 'string') record.run = step.run;
    records.push(record);
    if (!condition(step.if, ctx, failed)) {
      stepsCtx[id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
      continue;
    }
    for (const [k, v] of Object.entries(step.env ?? {})) record.env[k] = asString(evaluateValue(v, ctx));
    const stepCtx = { ...ctx, env: { ...ctx.env, ...record.env } };
    for (const [k, v] of Object.entries(step.with ?? {})) record.with[k] = asString(evaluateValue(v, stepCtx));
    const pathVar = [...addedPath, scope.processEnv.PATH ?? process.env.PATH ?? ''].join(path.delimiter);
    const stepEnv = { ...scope.processEnv, ...addedEnv, ...record.env, PATH: pathVar };
    const timeoutMs = step['timeout-minutes'] !== undefined ? Number(evaluateValue(step['timeout-minutes'], ctx)) * 60_000 : timeout;
    let ok: boolean;
    if (record.uses) {
      const target = resolve(record.uses);
      const nestedOpts: HarnessOptions & { runnerTemp: string } = { ...opts, env: stepEnv, stepTimeoutMs: timeoutMs };
      const nested = 'standIn' in target ? await runStandIn(target.standIn, record.with, nestedOpts) : await runLocalAction(target.dir, record.with, nestedOpts);
      if ('standIn' in target) record.standIn = target.standIn.name;
      record.nested = nested;
      record.outputs = nested.outputs;
      record.stdout = nested.stdout;
      summary += nested.summary;
      annotations.push(...nested.annotations);
      warnings.push(...nested.warnings);
      if (nested.exportEnv) addedEnv = { ...addedEnv, ...nested.exportEnv };
      if (nested.addPath) addedPath = [...[...nested.addPath].reverse(), ...addedPath];
      ok = nested.outcome === 'success';
    } else if (record.run !== undefined) {
      const shell = typeof step.shell === 'string' ? step.shell : scope.kind === 'job' ? (scope.defaults?.shell ?? 'bash') : undefined;
      if (!shell) throw new Error(`harness: composite step ${id} has run: without shell: (required in composite actions)`);
      const files = await fileCommands(opts.runnerTemp);
      const script = path.join(path.dirname(files.GITHUB_OUTPUT), 'script.sh');
      // the runner substitutes expressions into the script text before running it
      await writeFile(script, interpolate(record.run, stepCtx));
      const workdir = typeof step['working-directory'] === 'string' ? interpolate(step['working-directory'], stepCtx) : scope.defaults?.['working-directory'];
      const [cmd, args] = shellArgv(shell, script);
      const r = await runProcess(cmd, args, { ...stepEnv, ...files, ...(scope.actionPath ? { GITHUB_ACTION_PATH: scope.actionPath } : {}) }, workdir ? path.resolve(opts.workspace, workdir) : opts.workspace, timeoutMs);
      record.stdout = r.stdout;
      record.stderr = r.stderr;
      record.outputs = parseFileCommands(await readFile(files.GITHUB_OUTPUT, 'utf8'));
      const exported = await exportedEnv(files);
      if (exported.exportEnv) addedEnv = { ...addedEnv, ...exported.exportEnv };
      if (exported.addPath) addedPath = [...[...exported.addPath].reverse(), ...addedPath];
      summary += await readFile(files.GITHUB_STEP_SUMMARY, 'utf8');
      annotations.push(...annotationsOf(r.stdout));
      ok = r.code === 0;
    } else {
      throw new Error(`harness: step ${id} has neither uses: nor run:`);
    }
    stdoutAll += record.stdout;
    record.outcome = ok ? 'success' : 'failure';
    const continueOnError = asString(evaluateValue(step['continue-on-error'] ?? false, ctx)) === 'true';
    stepsCtx[id] = { outputs: record.outputs, outcome: record.outcome, conclusion: ok || continueOnError ? 'success' : 'failure' };
    if (!ok && !continueOnError) failed = true;
  }
  return { failed, records, stepsContext: stepsCtx, summary, annotations, warnings, stdout: stdoutAll, exportEnv: addedEnv, addPath: addedPath };
}
