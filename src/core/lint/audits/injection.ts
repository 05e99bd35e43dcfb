/**
 * `template-injection` as taint analysis. Sinks: `run:` scripts, actions/github-script `script`,
 * and the code inputs of known code-executing actions (list after CodeQL's models and zizmor's,
 * both MIT). Every `${{ }}` in a sink (multi-line expressions included) is parsed; each context
 * that can flow into its value is classified:
 *
 * - attacker-controllable (error): text fields of `github.event` (titles, bodies, branch names,
 *   labels, commit messages, emails, …), `github.head_ref`, the whole event, and values traced to
 *   them through `env:` (step, job, workflow), a `run:` step's output written to $GITHUB_OUTPUT,
 *   a `needs.<job>.outputs.<x>` mapping, or a function of them;
 * - of unknown provenance (warning): string inputs of an action or reusable workflow, matrix
 *   values built by expressions, `env` values computed from other expressions, URL fields of the
 *   event, other `github.*` values a pusher chooses (`ref`, `ref_name`, `base_ref`);
 * - untraceable (note): outputs of actions, `fromJSON(…)` results, `vars`;
 * - fixed or static (pedantic only): ids, SHAs, numbers, `github.repository`, secrets, static env
 *   and matrix values, typed (boolean/number/choice) inputs, and the expression itself.
 * Sources: https://securitylab.github.com/resources/github-actions-untrusted-input/ and
 * https://docs.zizmor.sh/audits/#template-injection
 */
import type { Node } from 'yaml';
import { contextHead, contextPath, dataflowContexts, findExpressions, tryParse, type Expr } from '../expr.ts';
import { entries, get, items, stepsOf, str, type Ctx, type Step } from '../model.ts';

/** Code inputs of actions that execute them (owner/repo lower-cased → input names). */
export const CODE_SINKS: Record<string, string[]> = {
  'actions/github-script': ['script'],
  'azure/cli': ['inlinescript'],
  'azure/powershell': ['inlinescript'],
  'mikefarah/yq': ['cmd'],
  'devorbitus/yq-action-output': ['cmd'],
  'sergeysova/jq-action': ['cmd'],
  'appleboy/ssh-action': ['script'],
  'amadevus/pwsh-script': ['script'],
  'jannekem/run-python-script-action': ['script'],
  'cardinalby/js-eval-action': ['expression'],
  'gautamkrishnar/blog-post-workflow': ['item_exec'],
  'tibdex/backport': ['body_template', 'head_template', 'labels_template', 'title_template'],
  'imjohnbo/issue-bot': ['body', 'linked-comments-previous-issue-text', 'linked-comments-new-issue-text'],
  'roots/issue-closer-action': ['issue-close-message', 'pr-close-message'],
  'lucasbento/auto-close-issues': ['issue-close-message'],
  'skitionek/notify-microsoft-teams': ['overwrite'],
  '8398a7/action-slack': ['custom_payload'],
  'docker/build-push-action': ['context'],
  'addnab/docker-run-action': ['run'],
};

/** `github.*` values that carry nothing an attacker chooses. */
const FIXED_GITHUB = new Set([
  'action', 'action_path', 'action_ref', 'action_repository', 'action_status', 'actor', 'actor_id', 'api_url', 'env', 'event_name', 'event_path', 'graphql_url', 'job', 'job_workflow_sha', 'output', 'path', 'ref_protected', 'ref_type', 'repository', 'repository_id', 'repository_owner', 'repository_owner_id', 'repositoryurl', 'retention_days', 'run_attempt', 'run_id', 'run_number', 'secret_source', 'server_url', 'sha', 'state', 'step_summary', 'token', 'triggering_actor', 'workflow', 'workflow_ref', 'workflow_sha', 'workspace',
]);
/** Leaves of `github.event.*` that are numbers, booleans, ids, timestamps, SHAs or enumerations. */
const FIXED_EVENT_LEAF = /^(id|number|node_id|\w+_id|\w*_?count|size|before|after|sha|head_sha|base_sha|merge_commit_sha|commit_id|\w+_at|author_association|state|state_reason|type|site_admin|private|fork|draft|locked|merged|mergeable|mergeable_state|rebaseable|additions|deletions|changed_files|commits|comments|review_comments|forced|created|deleted|default|protected|run_attempt|run_number|status|conclusion|visibility|archived|disabled|has_\w+|is_\w+|allow_\w+|\+1|-1|laugh|hooray|confused|heart|rocket|eyes|total_count|distinct|maintainer_can_modify|prerelease|score|line|position|original_line|original_position|start_line|side|start_side|user_view_type)$/;

/** How far an expanded value is attacker-controllable. */
export type Taint = 'attacker' | 'unknown' | 'untraceable' | 'fixed';
const RANK: Record<Taint, number> = { fixed: 0, untraceable: 1, unknown: 2, attacker: 3 };

/** Classifies a `github.*` context path (lower-cased, `*` for indexes). */
export function githubTaint(path: string): Taint {
  const parts = path.split('.');
  if (parts.length === 1) return 'attacker'; // all of `github`, event included
  const head = parts[1]!;
  if (head === 'head_ref') return 'attacker';
  if (head === 'event') {
    if (parts.length === 2) return 'attacker';
    const leaf = parts[parts.length - 1]!;
    if (leaf === '*') return 'attacker';
    if (FIXED_EVENT_LEAF.test(leaf)) return 'fixed';
    if (/(^|_)url$/.test(leaf)) return 'unknown';
    return 'attacker';
  }
  if (FIXED_GITHUB.has(head)) return 'fixed';
  return 'unknown';
}

/** Where a traced value lives: the job (or composite) and its steps. */
interface Scope {
  workflow?: Node | undefined;
  job?: Node | undefined;
  jobs?: Node | undefined;
  steps: Step[];
  step?: Step | undefined;
  /** Inputs of the workflow (`on.workflow_call/workflow_dispatch.inputs`) or action. */
  inputs: Map<string, string>;
  /** The file's text (node ranges index into it). */
  text: string;
}

interface Classified {
  taint: Taint;
  /** Human description of the source, e.g. `github.event.issue.title via env.TITLE`. */
  via: string;
}

function worst(list: Classified[]): Classified | undefined {
  return list.reduce<Classified | undefined>((a, b) => (!a || RANK[b.taint] > RANK[a.taint] ? b : a), undefined);
}

/** Classifies the contexts of all expressions in `text`. */
function classifyText(text: string, scope: Scope, depth: number): Classified[] {
  const out: Classified[] = [];
  for (const found of findExpressions(text)) {
    const e = tryParse(found.inner);
    if (e) for (const c of dataflowContexts(e)) out.push(classify(c, scope, depth));
  }
  return out;
}

function envLookup(name: string, scope: Scope): Node | undefined {
  for (const holder of [scope.step?.env, get(scope.job, 'env'), get(scope.workflow, 'env')]) {
    for (const [k, v] of entries(holder)) if (k === name) return v ?? ({} as Node);
  }
  return undefined;
}

/** Classifies one dataflow context (a context node or a property of a call result). */
function classify(c: Expr, scope: Scope, depth: number): Classified {
  if (depth > 6) return { taint: 'unknown', via: 'a value traced too deep' };
  if (c.type === 'index') {
    const inner = c.target.type === 'call' ? c.target.args.flatMap(dataflowContexts).map((x) => classify(x, scope, depth + 1)) : dataflowContexts(c.target).map((x) => classify(x, scope, depth + 1));
    const w = worst(inner);
    return w && w.taint === 'attacker' ? w : { taint: 'untraceable', via: 'the result of a function call' };
  }
  const path = contextPath(c);
  if (!path) {
    // computed key: take the object's taint
    const head = contextHead(c);
    return { taint: head === 'github' ? 'attacker' : 'untraceable', via: `a computed ${head || 'value'} key` };
  }
  const parts = path.split('.');
  const head = parts[0]!;
  switch (head) {
    case 'github': {
      // workflow_dispatch inputs are chosen by someone with write access: typed like `inputs.*`
      if (parts[1] === 'event' && parts[2] === 'inputs' && parts[3]) {
        const type = scope.inputs.get(parts[3]);
        return { taint: type === 'boolean' || type === 'number' || type === 'choice' || type === 'environment' ? 'fixed' : 'unknown', via: path };
      }
      return { taint: githubTaint(path), via: path };
    }
    case 'secrets':
    case 'runner':
    case 'job':
    case 'strategy':
      return { taint: 'fixed', via: path };
    case 'vars':
      return { taint: 'untraceable', via: path };
    case 'inputs': {
      const type = scope.inputs.get(parts[1] ?? '');
      return { taint: type === 'boolean' || type === 'number' || type === 'choice' || type === 'environment' ? 'fixed' : 'unknown', via: path };
    }
    case 'env': {
      const raw = c.type === 'context' && typeof c.parts[1] === 'string' ? c.parts[1] : parts[1];
      const shown = raw ? `env.${raw}` : path;
      const node = raw ? envLookup(raw, scope) : undefined;
      if (!node) return { taint: 'unknown', via: `${shown} (set outside this workflow)` };
      const value = str(node);
      if (value === undefined || !value.includes('${{')) return { taint: 'fixed', via: shown };
      const w = worst(classifyText(value, scope, depth + 1));
      if (!w || w.taint === 'fixed') return { taint: 'fixed', via: shown };
      return w.taint === 'attacker' ? { taint: 'attacker', via: `${w.via} via ${shown}` } : { taint: 'unknown', via: shown };
    }
    case 'matrix':
      return matrixTaint(parts.slice(1), scope, path);
    case 'steps': {
      if (parts[2] !== 'outputs' || !parts[3]) return { taint: 'fixed', via: path };
      const step = scope.steps.find((s) => s.id?.toLowerCase() === parts[1]);
      if (!step) return { taint: 'untraceable', via: path };
      const traced = stepOutputTaint(step, parts[3], { ...scope, step }, depth);
      return traced ? { taint: traced.taint, via: traced.taint === 'attacker' ? `${traced.via} via ${path}` : path } : { taint: 'untraceable', via: path };
    }
    case 'needs': {
      const job = parts[1] ? entries(scope.jobs).find(([k]) => k.toLowerCase() === parts[1])?.[1] : undefined;
      if (parts[2] !== 'outputs' || !parts[3]) return { taint: 'fixed', via: path };
      const out = job ? entries(get(job, 'outputs')).find(([k]) => k.toLowerCase() === parts[3])?.[1] : undefined;
      const value = str(out);
      if (!job || value === undefined) return { taint: 'untraceable', via: path };
      const jobScope: Scope = { ...scope, job, steps: stepsOfJob(job), step: undefined };
      const w = worst(classifyText(value, jobScope, depth + 1));
      if (!w) return { taint: 'fixed', via: path };
      return { taint: w.taint, via: w.taint === 'attacker' ? `${w.via} via ${path}` : path };
    }
    default:
      return { taint: 'untraceable', via: path };
  }
}

function stepsOfJob(job: Node): Step[] {
  return stepsOf(get(job, 'steps'));
}

/** Taint of output `name` of a `run:` step: what the lines writing it to $GITHUB_OUTPUT contain. */
function stepOutputTaint(step: Step, name: string, scope: Scope, depth: number): Classified | undefined {
  if (!step.run) return undefined;
  const lines = step.run.split('\n').filter((l) => new RegExp(`(^|[\\s"'])${name.replace(/[-.]/g, '\\$&')}=`, 'i').test(l) || new RegExp(`set-output name=${name}::`, 'i').test(l));
  if (lines.length === 0) return undefined;
  const found: Classified[] = [];
  for (const l of lines) {
    found.push(...classifyText(l, scope, depth + 1));
    for (const m of l.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
      const env = envLookup(m[1]!, scope);
      const value = str(env);
      if (value?.includes('${{')) found.push(...classifyText(value, scope, depth + 1).map((c) => ({ ...c, via: `${c.via} via $${m[1]}` })));
    }
  }
  return worst(found) ?? { taint: 'fixed', via: name };
}

function matrixTaint(keyPath: string[], scope: Scope, path: string): Classified {
  const matrix = get(get(scope.job, 'strategy'), 'matrix');
  if (!matrix) return { taint: 'untraceable', via: path };
  const raw = str(matrix);
  if (raw !== undefined) return raw.includes('${{') ? { taint: 'unknown', via: `${path} (matrix computed by an expression)` } : { taint: 'fixed', via: path };
  const key = keyPath[0];
  const values: Node[] = [];
  for (const [k, v] of entries(matrix)) {
    if (k === key) values.push(v ?? ({} as Node));
    if (k === 'include') for (const row of items(v)) for (const [rk, rv] of entries(row)) if (rk === key) values.push(rv ?? ({} as Node));
  }
  const dynamic = values.some((v) => {
    const s = str(v);
    if (s !== undefined) return s.includes('${{');
    return (v.range ? scope.text.slice(v.range[0], v.range[1]) : '').includes('${{');
  });
  return dynamic ? { taint: 'unknown', via: `${path} (matrix values computed by expressions)` } : { taint: 'fixed', via: path };
}

/** Inputs declared by the workflow's `workflow_call`/`workflow_dispatch` or the action, with their types. */
export function declaredInputs(root: Node | undefined, kind: 'workflow' | 'action'): Map<string, string> {
  const out = new Map<string, string>();
  const add = (inputs: Node | undefined) => {
    for (const [k, v] of entries(inputs)) out.set(k.toLowerCase(), (str(get(v, 'type')) ?? 'string').toLowerCase());
  };
  if (kind === 'action') add(get(root, 'inputs'));
  else {
    const on = get(root, 'on');
    add(get(get(on, 'workflow_call'), 'inputs'));
    for (const [k, v] of entries(get(get(on, 'workflow_dispatch'), 'inputs'))) if (!out.has(k.toLowerCase()) || out.get(k.toLowerCase()) !== 'string') out.set(k.toLowerCase(), (str(get(v, 'type')) ?? 'string').toLowerCase());
  }
  return out;
}

/** The code sinks of a step: `run:`, or the code inputs of a known code-executing action. */
function sinks(step: Step): Array<{ node: Node; where: string }> {
  if (step.runNode) return [{ node: step.runNode, where: '`run:` script' }];
  if (!step.uses) return [];
  const slug = step.uses.split('@')[0]!.split('/').slice(0, 2).join('/').toLowerCase();
  const inputs = CODE_SINKS[slug];
  if (!inputs) return [];
  return entries(step.withNode)
    .filter(([k, v]) => v && inputs.includes(k.toLowerCase()))
    .map(([k, v]) => ({ node: v!, where: `\`${k}:\` input of ${slug}, which runs it as code` }));
}

/**
 * Reports template injection in the steps of one job (or composite action).
 * @param scope the workflow root, job and `jobs` map (for `needs`), the steps, declared inputs
 */
export function auditTemplateInjection(ctx: Ctx, scope: { workflow?: Node | undefined; job?: Node | undefined; jobs?: Node | undefined; steps: Step[]; inputs: Map<string, string> }): void {
  for (const step of scope.steps) {
    for (const sink of sinks(step)) {
      if (!sink.node.range) continue;
      const base = sink.node.range[0];
      const source = ctx.text.slice(base, sink.node.range[1]);
      for (const found of findExpressions(source)) {
        const e = tryParse(found.inner);
        const lead = found.inner.length - found.inner.trimStart().length;
        const exprPos = ctx.pos(base + found.innerStart + lead);
        ctx.report('template-injection', exprPos, `\`\${{ ${found.inner.trim().replace(/\s+/g, ' ')} }}\` is pasted into a ${sink.where} before it runs`, { persona: 'pedantic', severity: 'note', span: step.node });
        if (!e) continue;
        for (const c of dataflowContexts(e)) {
          const r = classify(c, { ...scope, step, text: ctx.text }, 0);
          const where = ctx.pos(base + found.innerStart + c.start);
          const text = found.inner.slice(c.start, c.end);
          if (r.taint === 'attacker') ctx.report('template-injection', where, `\`${text}\` (${r.via}) is attacker-controllable and is pasted into a ${sink.where}: a value containing quotes or $(…) executes as code`, { span: step.node });
          else if (r.taint === 'unknown') ctx.report('template-injection', where, `\`${text}\` (${r.via}) may carry caller- or attacker-chosen text into a ${sink.where}`, { severity: 'warning', span: step.node });
          else if (r.taint === 'untraceable') ctx.report('template-injection', where, `\`${text}\` (${r.via}) cannot be traced and is pasted into a ${sink.where}`, { severity: 'note', span: step.node });
        }
      }
    }
  }
}
