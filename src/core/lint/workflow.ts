/**
 * Our own offline rules over GitHub Actions workflows and action metadata (action.yml), in the
 * spirit of zizmor: template injection, unpinned `uses:` and images, permissions, secrets outside
 * environments, `secrets: inherit`, dangerous triggers, persisted checkout credentials, missing
 * timeouts and deploy concurrency. Works on the `yaml` Document so every finding names
 * file:line:column. Workflow syntax: https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type YAMLMap } from 'yaml';
import { helpUrl, RULES, type WorkflowRuleId } from './rules.ts';
import type { Finding } from './types.ts';

/** Options of the workflow rules. */
export interface WorkflowLintOptions {
  /** Rule ids not to apply. */
  disable?: readonly string[] | undefined;
  /**
   * Repositories whose own actions/workflows may be referenced by an immutable release tag
   * (`@vX.Y.Z`) instead of a SHA: a file cannot contain the SHA of the commit that contains it,
   * so a reusable workflow or composite of this toolkit refers to its sibling actions by the
   * release tag it ships in. Default: `dataops-actions/dataops-actions`.
   */
  selfRepos?: readonly string[] | undefined;
}

/** Default of {@link WorkflowLintOptions.selfRepos}. */
export const SELF_REPOS = ['dataops-actions/dataops-actions'];

const SHA40 = /^[0-9a-f]{40}$/;
const VERSION_COMMENT = /#\s*v?\d+(\.\d+){0,3}\b/;
const SEMVER_TAG = /^v\d+\.\d+\.\d+$/;
const DIGEST = /@sha256:[0-9a-f]{64}$/;

/** Kind of a YAML file that the workflow rules understand. */
export type ActionsFileKind = 'workflow' | 'action';

/** Tells a workflow (top-level `on` + `jobs`) from action metadata (`runs`), or neither. */
export function actionsFileKind(data: unknown): ActionsFileKind | undefined {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const o = data as Record<string, unknown>;
  if ('jobs' in o && 'on' in o) return 'workflow';
  if ('runs' in o && ('name' in o || 'description' in o)) return 'action';
  return undefined;
}

class Ctx {
  readonly findings: Finding[] = [];
  readonly lines: string[];
  readonly counter: LineCounter;
  readonly file: string;
  readonly text: string;
  readonly disabled: Set<string>;
  constructor(file: string, text: string, counter: LineCounter, disabled: Set<string>) {
    this.file = file;
    this.text = text;
    this.counter = counter;
    this.lines = text.split(/\r?\n/);
    this.disabled = disabled;
  }
  pos(offset: number): { line: number; column: number } {
    const p = this.counter.linePos(offset);
    return { line: p.line, column: p.col };
  }
  at(node: Node | null | undefined): { line: number; column: number } {
    return node?.range ? this.pos(node.range[0]) : { line: 1, column: 1 };
  }
  report(rule: WorkflowRuleId, where: { line: number; column: number }, problem: string, severity = RULES[rule]?.severity ?? 'error'): void {
    if (this.disabled.has(rule)) return;
    const fix = RULES[rule]?.fix ?? '';
    this.findings.push({ ruleId: rule, severity, file: this.file, ...where, message: `${problem}. ${fix}`.trim(), helpUrl: helpUrl(rule) });
  }
  /** True when the line of `node`, or the comment lines right above it, carry a `# needed: …` note. */
  justified(node: Node | null | undefined): boolean {
    const { line } = this.at(node);
    if (/#.*\bneeded:/.test(this.lines[line - 1] ?? '')) return true;
    for (let l = line - 2; l >= 0; l--) {
      const t = (this.lines[l] ?? '').trim();
      if (!t.startsWith('#')) break;
      if (/\bneeded:/.test(t)) return true;
    }
    return false;
  }
  /** Text after the value on the line of `node` (its inline comment, if any). */
  lineOf(node: Node | null | undefined): string {
    return this.lines[this.at(node).line - 1] ?? '';
  }
}

function get(map: unknown, key: string): Node | undefined {
  if (!isMap(map)) return undefined;
  for (const pair of map.items) if (isScalar(pair.key) && pair.key.value === key) return (pair.value ?? undefined) as Node | undefined;
  return undefined;
}
function keyNode(map: unknown, key: string): Node | undefined {
  if (!isMap(map)) return undefined;
  for (const pair of map.items) if (isScalar(pair.key) && pair.key.value === key) return pair.key;
  return undefined;
}
function has(map: unknown, key: string): boolean {
  return keyNode(map, key) !== undefined;
}
function str(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const v: unknown = node.value;
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}
function entries(map: unknown): Array<[string, Node | undefined, Node]> {
  if (!isMap(map)) return [];
  return map.items.filter((p) => isScalar(p.key)).map((p) => [String((p.key as { value: unknown }).value), (p.value ?? undefined) as Node | undefined, p.key as Node]);
}

/** Lints one workflow or action metadata file given as text. */
export function lintActionsYaml(file: string, text: string, kind: ActionsFileKind, opts: WorkflowLintOptions = {}): Finding[] {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, keepSourceTokens: false });
  if (doc.errors.length > 0) return [];
  const ctx = new Ctx(file, text, counter, new Set(opts.disable ?? []));
  const self = opts.selfRepos ?? SELF_REPOS;
  if (kind === 'workflow') lintWorkflow(ctx, doc, self);
  else lintAction(ctx, doc, self);
  return ctx.findings;
}

function lintAction(ctx: Ctx, doc: Document, self: readonly string[]): void {
  const runs = get(doc.contents, 'runs');
  const using = str(get(runs, 'using'));
  if (using === 'composite') {
    const steps = get(runs, 'steps');
    if (isSeq(steps)) for (const step of steps.items) lintStep(ctx, step as Node, self);
  } else if (using === 'docker') {
    const image = get(runs, 'image');
    const value = str(image);
    if (value?.startsWith('docker://') && !DIGEST.test(value)) ctx.report('unpinned-image', ctx.at(image), `docker action image "${value}" is not pinned by digest`);
  }
}

function triggerNames(on: Node | undefined): Array<[string, Node]> {
  if (!on) return [];
  if (isScalar(on)) return [[String(on.value), on]];
  if (isSeq(on)) return on.items.filter(isScalar).map((n) => [String(n.value), n as Node]);
  return entries(on).map(([k, , key]) => [k, key]);
}

function lintWorkflow(ctx: Ctx, doc: Document, self: readonly string[]): void {
  const root = doc.contents;
  const on = get(root, 'on');
  const triggers = triggerNames(on);
  const jobs = entries(get(root, 'jobs'));

  // excessive-permissions (top level)
  const topPerms = get(root, 'permissions');
  if (!has(root, 'permissions')) {
    ctx.report('excessive-permissions', ctx.at(keyNode(root, 'jobs')), 'no top-level `permissions:`: every job gets the repository default token scopes');
  } else lintPermissions(ctx, topPerms);

  // dangerous-triggers
  for (const [name, node] of triggers) {
    if (name === 'pull_request_target') {
      ctx.report('dangerous-triggers', ctx.at(node), '`pull_request_target` runs with a write token and secrets on code or data a fork controls');
    } else if (name === 'workflow_run') {
      const unguarded = jobs.filter(([, job]) => !/github\.event\.workflow_run\./.test(str(get(job, 'if')) ?? ''));
      if (unguarded.length > 0) {
        ctx.report('dangerous-triggers', ctx.at(node), `\`workflow_run\` runs privileged after untrusted runs, and job(s) ${unguarded.map(([n]) => `"${n}"`).join(', ')} have no \`if:\` guard on github.event.workflow_run`);
      }
    }
  }

  const topConcurrency = get(root, 'concurrency');
  for (const [jobName, job, jobKey] of jobs) {
    if (!isMap(job)) continue;
    lintPermissions(ctx, get(job, 'permissions'));
    const callsWorkflow = has(job, 'uses');
    const usesNode = get(job, 'uses');
    const uses = str(usesNode);
    if (uses !== undefined) lintUses(ctx, usesNode as Node, uses, self, 'reusable workflow');

    // missing-timeout (not allowed on jobs that call a reusable workflow)
    if (!callsWorkflow && !has(job, 'timeout-minutes')) ctx.report('missing-timeout', ctx.at(jobKey), `job "${jobName}" has no \`timeout-minutes\``);

    // secrets-inherit
    const secrets = get(job, 'secrets');
    if (str(secrets) === 'inherit') ctx.report('secrets-inherit', ctx.at(secrets), `job "${jobName}" passes \`secrets: inherit\``);

    // secrets-outside-environment
    if (!has(job, 'environment')) {
      const use = firstSecretUse(ctx, job);
      if (use) ctx.report('secrets-outside-environment', use.where, `job "${jobName}" reads \`secrets.${use.name}\` but declares no \`environment:\``);
    }

    // deploy-concurrency
    if (has(job, 'environment')) {
      const conc = get(job, 'concurrency') ?? topConcurrency;
      if (!conc) {
        ctx.report('deploy-concurrency', ctx.at(keyNode(job, 'environment')), `job "${jobName}" deploys to an environment without \`concurrency\`: two runs can deploy at once`);
      }
    }
    for (const conc of [get(job, 'concurrency')]) {
      const cancel = get(conc, 'cancel-in-progress');
      if (has(job, 'environment') && cancel && /^true$/i.test(str(cancel) ?? '')) {
        ctx.report('deploy-concurrency', ctx.at(cancel), `job "${jobName}" deploys with \`cancel-in-progress: true\`: a newer run cancels a deploy half-way`);
      }
    }

    // unpinned-image
    const container = get(job, 'container');
    const image = isMap(container) ? get(container, 'image') : container;
    lintImage(ctx, image, `job "${jobName}" container`);
    for (const [svc, def] of entries(get(job, 'services'))) lintImage(ctx, isMap(def) ? get(def, 'image') : def, `service "${svc}" of job "${jobName}"`);

    const steps = get(job, 'steps');
    if (isSeq(steps)) for (const step of steps.items) lintStep(ctx, step as Node, self);
  }
  const topCancel = get(topConcurrency, 'cancel-in-progress');
  if (topCancel && /^true$/i.test(str(topCancel) ?? '') && jobs.some(([, job]) => has(job, 'environment'))) {
    ctx.report('deploy-concurrency', ctx.at(topCancel), 'workflow-level `cancel-in-progress: true` cancels deployment jobs half-way');
  }
}

function lintImage(ctx: Ctx, node: Node | undefined, what: string): void {
  const value = str(node);
  if (value === undefined || value === '') return;
  if (/\$\{\{/.test(value)) return; // computed: the caller pins it
  if (!DIGEST.test(value.replace(/^docker:\/\//, ''))) ctx.report('unpinned-image', ctx.at(node), `${what} image "${value}" is not pinned by digest`);
}

function lintPermissions(ctx: Ctx, perms: Node | undefined): void {
  if (!perms) return;
  const whole = str(perms);
  if (whole === 'write-all' || whole === 'read-all') {
    ctx.report('excessive-permissions', ctx.at(perms), `\`permissions: ${whole}\` grants every scope`);
    return;
  }
  for (const [scope, value] of entries(perms)) {
    if (str(value) === 'write' && !ctx.justified(value)) {
      ctx.report('excessive-permissions', ctx.at(value), `\`${scope}: write\` has no justification`, 'warning');
    }
  }
}

function lintUses(ctx: Ctx, node: Node, uses: string, self: readonly string[], what: string): void {
  if (uses.startsWith('./')) return;
  if (uses.startsWith('docker://')) {
    if (!DIGEST.test(uses)) ctx.report('unpinned-image', ctx.at(node), `\`${uses}\` is not pinned by digest`);
    return;
  }
  const at = uses.lastIndexOf('@');
  const target = at > 0 ? uses.slice(0, at) : uses;
  const ref = at > 0 ? uses.slice(at + 1) : '';
  const repo = target.split('/').slice(0, 2).join('/');
  if (self.includes(repo) && SEMVER_TAG.test(ref)) return; // own release: see SELF_REPOS
  if (!SHA40.test(ref)) {
    ctx.report('unpinned-uses', ctx.at(node), `${what} \`${uses}\` is pinned to "${ref || '(nothing)'}", a movable ref, not a commit SHA`);
  } else if (!VERSION_COMMENT.test(ctx.lineOf(node))) {
    ctx.report('unpinned-uses', ctx.at(node), `${what} \`${uses}\` has no \`# vX.Y.Z\` comment naming the release of that SHA`);
  }
}

function lintStep(ctx: Ctx, step: Node, self: readonly string[]): void {
  if (!isMap(step)) return;
  const usesNode = get(step, 'uses');
  const uses = str(usesNode);
  if (uses !== undefined && usesNode) lintUses(ctx, usesNode, uses, self, 'action');
  const run = get(step, 'run');
  if (run) reportExpressions(ctx, run, '`run:` script');
  const withMap = get(step, 'with');
  if (uses && /^actions\/github-script@/.test(uses)) {
    const script = get(withMap, 'script');
    if (script) reportExpressions(ctx, script, 'actions/github-script `script:`');
  }
  if (uses && /^actions\/checkout@/.test(uses)) {
    const persist = get(withMap, 'persist-credentials');
    if (!/^false$/i.test(str(persist) ?? '')) ctx.report('persisted-credentials', ctx.at(persist ?? usesNode), '`actions/checkout` keeps the token in .git/config for every later step');
  }
}

function reportExpressions(ctx: Ctx, node: Node, where: string): void {
  if (!node.range) return;
  const [start, end] = node.range;
  const source = ctx.text.slice(start, end);
  for (const m of source.matchAll(/\$\{\{\s*(.*?)\s*\}\}/g)) {
    ctx.report('template-injection', ctx.pos(start + (m.index ?? 0)), `\`\${{ ${m[1] ?? ''} }}\` is pasted into a ${where} before the shell runs: a value containing quotes or $(…) executes as code`);
  }
}

/** First `secrets.<NAME>` (other than GITHUB_TOKEN) inside a `${{ }}` anywhere under `job`. */
function firstSecretUse(ctx: Ctx, job: YAMLMap): { name: string; where: { line: number; column: number } } | undefined {
  let found: { name: string; where: { line: number; column: number } } | undefined;
  visit(job, {
    Scalar(_key, node) {
      if (found || typeof node.value !== 'string' || !node.range) return;
      const source = ctx.text.slice(node.range[0], node.range[1]);
      for (const expr of source.matchAll(/\$\{\{([^}]*)\}\}/g)) {
        for (const m of (expr[1] ?? '').matchAll(/\bsecrets(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\[\s*'([^']+)'\s*\])/g)) {
          const name = m[1] ?? m[2] ?? '';
          if (name === 'GITHUB_TOKEN') continue;
          found = { name, where: ctx.pos(node.range[0] + (expr.index ?? 0) + 3 + (m.index ?? 0)) };
          return visit.BREAK;
        }
      }
      return undefined;
    },
  });
  return found;
}
