/**
 * Our own offline rules over GitHub Actions workflows, action metadata (action.yml) and
 * `.github/dependabot.yml`, in the spirit of zizmor (rule ids are zizmor's audit ids where a rule
 * corresponds). Works on the `yaml` Document so every finding names file:line:column; a duplicate
 * key is reported (`yaml-syntax`) without stopping the other rules.
 * Workflow syntax: https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax
 */
import { isMap, LineCounter, parseDocument, type Node } from 'yaml';
import { auditDependabot } from './audits/dependabot.ts';
import { auditExpressions } from './audits/expressions.ts';
import { auditTemplateInjection, declaredInputs } from './audits/injection.ts';
import { auditScripts, auditWorkflowStructure, triggerNames } from './audits/jobs.ts';
import { auditImage, auditStepAction, auditUses, SELF_REPOS } from './audits/uses.ts';
import { Ctx, entries, get, stepsOf, str } from './model.ts';
import type { Persona } from './rules.ts';
import type { Finding } from './types.ts';

export { SELF_REPOS };

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
  /** Persona of the run (default `regular`). */
  persona?: Persona | undefined;
  /** Environment names treated as deployments by deploy-concurrency (default: names containing prod, stag, deploy or live). */
  deployEnvironments?: RegExp | undefined;
}

/** Default of {@link WorkflowLintOptions.deployEnvironments}. */
export const DEPLOY_ENVIRONMENTS = /prod|stag|deploy|live/i;

/** Kind of a YAML file that the rules understand. */
export type ActionsFileKind = 'workflow' | 'action' | 'dependabot';

/** Tells a workflow (top-level `on` + `jobs`) from action metadata (`runs`), or neither. */
export function actionsFileKind(data: unknown): 'workflow' | 'action' | undefined {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const o = data as Record<string, unknown>;
  if ('jobs' in o && ('on' in o || 'true' in o)) return 'workflow';
  if ('runs' in o && ('name' in o || 'description' in o)) return 'action';
  return undefined;
}

/**
 * Lints one workflow, action metadata or dependabot.yml file given as text.
 * @returns findings of our rules at or below the persona (invalid YAML gives none: `yaml-syntax` reports it)
 */
export function lintActionsYaml(file: string, text: string, kind: ActionsFileKind, opts: WorkflowLintOptions = {}): Finding[] {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, keepSourceTokens: false, uniqueKeys: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return [];
  const ctx = new Ctx(file, text, doc, counter, { disable: new Set(opts.disable ?? []), persona: opts.persona ?? 'regular' });
  const self = opts.selfRepos ?? SELF_REPOS;
  if (kind === 'dependabot') auditDependabot(ctx);
  else if (kind === 'workflow') lintWorkflow(ctx, doc.contents, self, opts);
  else lintAction(ctx, doc.contents, self);
  if (kind !== 'dependabot') auditExpressions(ctx);
  return dedupe(ctx.findings).sort((a, b) => a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId));
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.ruleId}:${f.line}:${f.column}:${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function lintAction(ctx: Ctx, root: Node, self: readonly string[]): void {
  const runs = get(root, 'runs');
  const using = str(get(runs, 'using'));
  if (using === 'composite') {
    const steps = stepsOf(get(runs, 'steps'));
    for (const step of steps) {
      if (step.uses && step.usesNode) auditUses(ctx, step.usesNode, step.uses, self, 'action', step.node);
      auditStepAction(ctx, step);
    }
    auditScripts(ctx, steps, { kind: 'action', triggers: new Set() });
    auditTemplateInjection(ctx, { steps, inputs: declaredInputs(root, 'action') });
  } else if (using === 'docker') {
    const image = get(runs, 'image');
    if (str(image)?.startsWith('docker://')) auditImage(ctx, image, 'docker action', undefined);
  }
}

function lintWorkflow(ctx: Ctx, root: Node, self: readonly string[], opts: WorkflowLintOptions): void {
  auditWorkflowStructure(ctx, root, { deployEnvironments: opts.deployEnvironments ?? DEPLOY_ENVIRONMENTS });
  const triggers = new Set(triggerNames(get(root, 'on')).map(([n]) => n));
  const inputs = declaredInputs(root, 'workflow');
  const jobsNode = get(root, 'jobs');
  for (const [jobName, job] of entries(jobsNode)) {
    if (!isMap(job)) continue;
    const usesNode = get(job, 'uses');
    const uses = str(usesNode)?.trim();
    if (uses !== undefined && usesNode) auditUses(ctx, usesNode, uses, self, 'reusable workflow', job);
    const matrix = get(get(job, 'strategy'), 'matrix');
    const container = get(job, 'container');
    auditImage(ctx, isMap(container) ? get(container, 'image') : container, `job "${jobName}" container`, matrix, isMap(container) ? undefined : container);
    for (const [svc, def] of entries(get(job, 'services'))) auditImage(ctx, isMap(def) ? get(def, 'image') : def, `service "${svc}" of job "${jobName}"`, matrix);
    const steps = stepsOf(get(job, 'steps'));
    for (const step of steps) {
      if (step.uses && step.usesNode) auditUses(ctx, step.usesNode, step.uses, self, 'action', step.node);
      auditStepAction(ctx, step);
    }
    const defaultShell = str(get(get(get(job, 'defaults'), 'run'), 'shell')) ?? str(get(get(get(root, 'defaults'), 'run'), 'shell'));
    auditScripts(ctx, steps, { kind: 'workflow', triggers, defaultShell });
    auditTemplateInjection(ctx, { workflow: root, job, jobs: jobsNode, steps, inputs });
  }
}
