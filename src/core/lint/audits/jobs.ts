/**
 * Rules about a workflow's triggers, jobs and run scripts: excessive-permissions,
 * undocumented-permissions, secrets-outside-env, secrets-inherit, dangerous-triggers,
 * missing-timeout, deploy-concurrency, concurrency-limits, anonymous-definition,
 * self-hosted-runner, insecure-commands, cache-poisoning, misfeature (shells), github-env,
 * adhoc-packages, use-trusted-publishing, template-placeholder. Semantics follow https://docs.zizmor.sh/audits/ and the
 * workflow syntax reference.
 */
import { isMap, isScalar, isSeq, visit, type Node } from 'yaml';
import { CACHE_AWARE, HOSTED_LABEL, PUBLISHERS } from '../data.ts';
import { findExpressions } from '../expr.ts';
import { entries, get, has, items, keyNode, parseUses, str, type Ctx, type Step } from '../model.ts';
import { commentVersion } from './uses.ts';

/** Trigger names with their key nodes. */
export function triggerNames(on: Node | undefined): Array<[string, Node]> {
  if (!on) return [];
  if (isScalar(on)) return [[String(on.value), on]];
  if (isSeq(on)) return on.items.filter(isScalar).map((n) => [String(n.value), n as Node]);
  return entries(on).map(([k, , key]) => [k, key]);
}

// ---------- permissions ----------

function auditPermissionsBlock(ctx: Ctx, perms: Node | undefined, level: 'workflow' | 'job', jobCount: number, span?: Node): void {
  if (!perms) return;
  const whole = str(perms)?.trim();
  if (whole === 'write-all') ctx.report('excessive-permissions', perms, '`permissions: write-all` grants every scope, write included', { span });
  else if (whole === 'read-all') ctx.report('excessive-permissions', perms, '`permissions: read-all` grants read access to every scope', { severity: 'warning', span });
  const scopes = entries(perms);
  for (const [scope, value, key] of scopes) {
    const contentsRead = scope === 'contents' && str(value) === 'read';
    if (level === 'workflow' && str(value) === 'write') {
      ctx.report('excessive-permissions', key, `\`${scope}: write\` at the workflow level is granted to every job`, { persona: jobCount > 1 ? 'regular' : 'pedantic', severity: ['contents', 'id-token', 'actions', 'packages', 'pull-requests', 'issues', 'deployments', 'security-events', 'statuses', 'checks', 'attestations', 'pages', 'discussions', 'repository-projects', 'models'].includes(scope) ? 'error' : 'warning' });
    }
    if (!contentsRead && str(value) !== 'none' && !ctx.documented(key)) ctx.report('undocumented-permissions', key, `\`${scope}: ${str(value) ?? ''}\` has no comment saying why the job needs it`);
  }
}

/** Workflow-level rules plus per-job rules that need the whole workflow. */
export function auditWorkflowStructure(ctx: Ctx, root: Node, opts: { deployEnvironments: RegExp }): void {
  const on = get(root, 'on');
  const triggers = triggerNames(on);
  const names = new Set(triggers.map(([n]) => n));
  const jobs = entries(get(root, 'jobs'));
  const reusableOnly = names.size === 1 && names.has('workflow_call');
  const topPerms = get(root, 'permissions');
  const onKey = keyNode(root, 'on');

  // excessive-permissions / undocumented-permissions
  auditPermissionsBlock(ctx, topPerms, 'workflow', jobs.length);
  if (!has(root, 'permissions') && !reusableOnly) {
    const bare = jobs.filter(([, job]) => isMap(job) && !has(job, 'permissions'));
    if (bare.length > 0) ctx.report('excessive-permissions', onKey ?? root, 'no top-level `permissions:`: jobs without their own get the repository\'s default token scopes', { severity: 'warning', persona: 'pedantic' });
    for (const [name, job, key] of bare) ctx.report('excessive-permissions', key, `job "${name}" runs with the default token permissions (no \`permissions:\` here or at the top)`, { severity: 'warning', span: job });
  }

  // dangerous-triggers
  for (const [name, node] of triggers) {
    if (name === 'pull_request_target') ctx.report('dangerous-triggers', node, '`pull_request_target` runs with a write token and secrets on an event a fork controls');
    else if (name === 'workflow_run') {
      const unguarded = jobs.filter(([, job]) => !/github\.event\.workflow_run\./.test(str(get(job, 'if')) ?? ''));
      ctx.report('dangerous-triggers', node, `\`workflow_run\` runs privileged after untrusted runs${unguarded.length ? `; job(s) ${unguarded.map(([n]) => `"${n}"`).join(', ')} have no \`if:\` on github.event.workflow_run` : ''}`, { persona: unguarded.length ? 'regular' : 'pedantic' });
    }
  }

  // template-placeholder: `$default-branch` left in a filter of an installed workflow
  if (!/(^|\/)workflow-templates\//.test(ctx.file)) {
    for (const [trigger] of triggers) {
      for (const filter of ['branches', 'branches-ignore', 'tags', 'tags-ignore']) {
        for (const item of items(get(get(on, trigger), filter))) {
          const value = str(item);
          if (value !== undefined && /\$(default-branch|cron-daily|protected-branches)\b/.test(value)) ctx.report('template-placeholder', item, `\`on.${trigger}.${filter}\` holds the workflow-template placeholder \`${value}\`: GitHub substitutes it only when it installs an organisation's template, so this filter matches no branch`);
        }
      }
    }
  }

  // anonymous-definition
  if (!has(root, 'name')) ctx.report('anonymous-definition', onKey ?? root, 'this workflow has no `name:`');
  for (const [jobName, job, key] of jobs) if (isMap(job) && !has(job, 'name')) ctx.report('anonymous-definition', key, `job "${jobName}" has no \`name:\``);

  // concurrency-limits
  const topConc = get(root, 'concurrency');
  if (!reusableOnly) {
    if (topConc) {
      if (str(topConc) !== undefined || !has(topConc, 'cancel-in-progress')) ctx.report('concurrency-limits', keyNode(root, 'concurrency') ?? topConc, 'workflow `concurrency` has no `cancel-in-progress`: superseded runs keep going', { span: topConc });
    } else {
      ctx.report('concurrency-limits', onKey ?? root, 'workflow has no `concurrency:` setting: runs of one ref pile up', { span: onKey });
    }
  }

  // insecure-commands (workflow env)
  auditInsecureEnv(ctx, get(root, 'env'), keyNode(root, 'env'));

  // cache-poisoning: release-like triggers
  const releaseTrigger = triggers.some(([n]) => n === 'release') || isReleasePush(get(on, 'push'));

  // misfeature: workflow default shell cmd
  const topShell = get(get(get(root, 'defaults'), 'run'), 'shell');
  if (/^cmd$/i.test(str(topShell) ?? '')) ctx.report('misfeature', topShell, 'workflow default `shell: cmd` (Windows CMD) defeats script analysis', { span: topShell });

  for (const [jobName, job, jobKey] of jobs) {
    if (!isMap(job)) continue;
    const callsWorkflow = has(job, 'uses');
    auditPermissionsBlock(ctx, get(job, 'permissions'), 'job', jobs.length, job);

    if (!callsWorkflow && !has(job, 'timeout-minutes')) ctx.report('missing-timeout', jobKey, `job "${jobName}" has no \`timeout-minutes\``);

    const secrets = get(job, 'secrets');
    if (str(secrets) === 'inherit') ctx.report('secrets-inherit', get(job, 'uses') ?? secrets, `job "${jobName}" passes \`secrets: inherit\`: the called workflow gets every secret`, { span: job });

    if (!has(job, 'environment') && !callsWorkflow) {
      for (const use of secretUses(ctx, job)) ctx.report('secrets-outside-env', use.at, `job "${jobName}" reads \`secrets.${use.name}\` but declares no \`environment:\``, { span: job });
    }

    // deploy-concurrency: only real deployments (an environment with a url, or a deploy-like name)
    const env = get(job, 'environment');
    const envName = str(env) ?? str(get(env, 'name')) ?? '';
    const deploys = env !== undefined && (has(env, 'url') || opts.deployEnvironments.test(envName));
    if (deploys) {
      const conc = get(job, 'concurrency') ?? topConc;
      if (!conc) ctx.report('deploy-concurrency', keyNode(job, 'environment'), `job "${jobName}" deploys to "${envName}" without \`concurrency\`: two runs can deploy at once`);
      const cancel = get(get(job, 'concurrency') ?? topConc, 'cancel-in-progress');
      if (cancel && /^true$/i.test(str(cancel) ?? '')) ctx.report('deploy-concurrency', cancel, `job "${jobName}" deploys with \`cancel-in-progress: true\`: a newer run cancels a deploy half-way`);
    } else if (env !== undefined && !get(job, 'concurrency') && !topConc) {
      ctx.report('deploy-concurrency', keyNode(job, 'environment'), `job "${jobName}" uses environment "${envName}" without \`concurrency\`; if it deploys, two runs can deploy at once`, { persona: 'pedantic', severity: 'note' });
    }
    const jobConc = get(job, 'concurrency');
    if (jobConc && !topConc && !reusableOnly && (str(jobConc) !== undefined || !has(jobConc, 'cancel-in-progress')) && !deploys) {
      ctx.report('concurrency-limits', keyNode(job, 'concurrency'), `job "${jobName}" \`concurrency\` has no \`cancel-in-progress\``);
    }

    // self-hosted-runner
    auditRunsOn(ctx, job, jobName);

    // insecure-commands (job env)
    auditInsecureEnv(ctx, get(job, 'env'), keyNode(job, 'env'));

    // misfeature: job default shell
    const jobShell = get(get(get(job, 'defaults'), 'run'), 'shell');
    if (/^cmd$/i.test(str(jobShell) ?? '')) ctx.report('misfeature', jobShell, `job "${jobName}" default \`shell: cmd\` (Windows CMD) defeats script analysis`);

    // cache-poisoning
    const steps = items(get(job, 'steps')).filter(isMap);
    const publisher = steps.find((s) => isPublisher(s));
    if (releaseTrigger || publisher) {
      for (const step of steps) {
        const cached = cachingOf(step);
        if (cached) ctx.report('cache-poisoning', get(step, 'uses') ?? step, `${cached} in a ${releaseTrigger ? 'release-triggered workflow' : 'job that publishes'}: a cache written by a pull request can poison what is released`, { span: step });
      }
    }
  }
}

function isReleasePush(push: Node | undefined): boolean {
  if (!push || !isMap(push)) return false;
  if (has(push, 'tags')) return true;
  return items(get(push, 'branches')).some((b) => /release/i.test(str(b) ?? ''));
}

function isPublisher(step: Node): boolean {
  const uses = str(get(step, 'uses'))?.trim();
  const parsed = uses ? parseUses(uses) : undefined;
  if (!parsed) return false;
  const full = parsed.path ? `${parsed.slug}/${parsed.path.toLowerCase()}` : parsed.slug;
  if (!PUBLISHERS.includes(full) && !PUBLISHERS.includes(parsed.slug)) return false;
  if (parsed.slug === 'docker/build-push-action') return /^true$/i.test(str(get(get(step, 'with'), 'push'))?.trim() ?? '') || (str(get(get(step, 'with'), 'push')) ?? '').includes('${{');
  return true;
}

/** Describes how a step enables caching, or undefined when it does not. */
function cachingOf(step: Node): string | undefined {
  const uses = str(get(step, 'uses'))?.trim();
  const parsed = uses ? parseUses(uses) : undefined;
  if (!parsed) return undefined;
  const full = parsed.path ? `${parsed.slug}/${parsed.path.toLowerCase()}` : parsed.slug;
  const spec = CACHE_AWARE.find((c) => c.uses === full || c.uses === parsed.slug);
  if (!spec) return undefined;
  const name = spec.uses;
  if (!spec.input) return `\`${name}\` always restores from the cache`;
  const withNode = get(step, 'with');
  const value = str(get(withNode, spec.input))?.trim();
  if (value === undefined) {
    if (spec.toggle === 'out') return `\`${name}\` restores from the cache by default`;
    let on = spec.defaultOn === true;
    if (name === 'astral-sh/setup-uv') on = uvMajor(step) < 10; // v10 turned caching off by default
    if (name === 'docker/setup-buildx-action') on = str(get(withNode, 'version')) !== undefined;
    return on ? `\`${name}\` enables caching by default` : undefined;
  }
  if (value.includes('${{')) {
    if (/!\s*startsWith\(\s*github\.ref\s*,\s*'refs\/tags\/'\s*\)|github\.ref_type\s*!=\s*'tag'/i.test(value)) return undefined;
    return `\`${name}\` may enable caching (\`${spec.input}: ${value}\`)`;
  }
  const truthyValue = /^(true|yes|1|on)$/i.test(value);
  if (spec.toggle === 'out') return truthyValue ? undefined : `\`${name}\` restores from the cache`;
  if (spec.values) return spec.values.includes(value.toLowerCase()) ? `\`${name}\` enables caching (\`${spec.input}: ${value}\`)` : undefined;
  if (/^(false|no|0|off|)$/i.test(value)) return undefined;
  if (name === 'astral-sh/setup-uv' && value === 'auto' && uvMajor(step) >= 10) return undefined;
  return `\`${name}\` enables caching (\`${spec.input}: ${value}\`)`;
}

function uvMajor(step: Node): number {
  const usesNode = get(step, 'uses');
  const uses = str(usesNode)?.trim() ?? '';
  const ref = uses.slice(uses.lastIndexOf('@') + 1);
  const m = /^v?(\d+)/.exec(ref) ?? /^v?(\d+)/.exec(commentVersion(uses.includes('#') ? uses.split('#')[1] : '') ?? '');
  if (m) return Number(m[1]);
  return 0;
}

function auditInsecureEnv(ctx: Ctx, env: Node | undefined, key: Node | undefined): void {
  if (!env) return;
  const whole = str(env);
  if (whole !== undefined && whole.includes('${{')) {
    ctx.report('insecure-commands', key ?? env, '`env:` is computed and may set ACTIONS_ALLOW_UNSECURE_COMMANDS', { persona: 'auditor', span: env });
    return;
  }
  for (const [k, v, kn] of entries(env)) {
    if (k === 'ACTIONS_ALLOW_UNSECURE_COMMANDS' && /^(true|1|yes)$/i.test(str(v)?.trim() ?? '')) ctx.report('insecure-commands', key ?? kn, '`ACTIONS_ALLOW_UNSECURE_COMMANDS` re-enables `::set-env` and `::add-path`, which any printed text can trigger', { span: env });
  }
}

function auditRunsOn(ctx: Ctx, job: Node, jobName: string): void {
  const runsOn = get(job, 'runs-on');
  const key = keyNode(job, 'runs-on');
  if (!runsOn) return;
  if (isMap(runsOn)) {
    if (has(runsOn, 'group')) ctx.report('self-hosted-runner', key, `job "${jobName}" runs in a runner group (self-hosted or larger runners)`, { span: runsOn });
    else for (const l of items(get(runsOn, 'labels'))) if (isSelfHosted(str(l) ?? '')) ctx.report('self-hosted-runner', key, `job "${jobName}" runs on a self-hosted runner`, { span: runsOn });
    return;
  }
  const labels = isSeq(runsOn) ? items(runsOn).map((l) => str(l) ?? '') : [str(runsOn) ?? ''];
  const text = labels.join(' ');
  const m = /^\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}$/.exec(text.trim());
  if (m) {
    const matrix = get(get(job, 'strategy'), 'matrix');
    const values: string[] = [];
    for (const [k, v] of entries(matrix)) {
      if (k === m[1]) values.push(...(isSeq(v) ? items(v).map((x) => str(x) ?? '') : [str(v) ?? '']));
      if (k === 'include') for (const row of items(v)) values.push(str(get(row, m[1]!)) ?? '');
    }
    const excluded = new Set(items(get(matrix, 'exclude')).map((row) => str(get(row, m[1]!)) ?? ''));
    if (values.some((v) => v && !excluded.has(v) && isSelfHosted(v))) ctx.report('self-hosted-runner', key, `job "${jobName}" runs on a self-hosted runner through its matrix`, { span: runsOn });
    return;
  }
  if (text.includes('${{')) {
    const literals = [...text.matchAll(/'([^']*)'/g)].flatMap((x) => x[1]!.replace(/[[\]"]/g, ' ').split(/[\s,]+/)).filter(Boolean);
    if (literals.some(isSelfHosted)) ctx.report('self-hosted-runner', key, `job "${jobName}" \`runs-on\` expression may expand to a self-hosted runner`, { span: runsOn });
    return;
  }
  if (labels.some(isSelfHosted)) ctx.report('self-hosted-runner', key, `job "${jobName}" runs on a self-hosted runner (${labels.join(', ')})`, { span: runsOn });
}

function isSelfHosted(label: string): boolean {
  const l = label.trim();
  if (!l || l.includes('${{')) return false;
  if (/^self-hosted$/i.test(l)) return true;
  if (/^(linux|windows|macos|x64|arm|arm64)$/i.test(l)) return false;
  return !HOSTED_LABEL.test(l);
}

/** Every `secrets.X` read under `job` (GITHUB_TOKEN excepted), with its position. */
function secretUses(ctx: Ctx, job: Node): Array<{ name: string; at: { line: number; column: number } }> {
  const out: Array<{ name: string; at: { line: number; column: number } }> = [];
  visit(job, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || !node.range) return;
      const source = ctx.text.slice(node.range[0], node.range[1]);
      for (const f of findExpressions(source)) {
        for (const m of f.inner.matchAll(/\bsecrets(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\[\s*'([^']+)'\s*\])/gi)) {
          const name = m[1] ?? m[2] ?? '';
          if (name.toUpperCase() === 'GITHUB_TOKEN') continue;
          out.push({ name, at: ctx.pos(node.range[0] + f.innerStart + (m.index ?? 0)) });
        }
      }
    },
  });
  return out;
}

// ---------- run scripts ----------

const PRIVILEGED_TRIGGERS = new Set(['pull_request_target', 'workflow_run', 'issue_comment', 'issues', 'discussion', 'discussion_comment', 'pull_request_review', 'pull_request_review_comment']);

/** Rules over `run:` scripts and the steps around them. */
export function auditScripts(ctx: Ctx, steps: Step[], env: { kind: 'workflow' | 'action'; triggers: Set<string>; defaultShell?: string | undefined }): void {
  for (const step of steps) {
    if (step.shell && !/^(bash|sh|pwsh|powershell|python|cmd)\b/i.test(step.shell) && !step.shell.includes('${{')) {
      ctx.report('misfeature', get(step.node, 'shell'), `\`shell: ${step.shell}\` is not a shell GitHub Actions knows, so nothing can analyse this script`, { persona: 'pedantic', span: step.node });
    }
    if (/^cmd$/i.test(step.shell ?? '')) ctx.report('misfeature', get(step.node, 'shell'), '`shell: cmd` (Windows CMD) defeats script analysis', { span: step.node });
    auditInsecureEnv(ctx, step.env, keyNode(step.node, 'env'));
    if (!step.runNode || step.run === undefined) {
      auditPublishingStep(ctx, step);
      continue;
    }
    const run = step.run;
    // github-env: a write of a value that is not wholly static
    if (env.kind === 'action' || [...env.triggers].some((t) => PRIVILEGED_TRIGGERS.has(t))) {
      for (const line of run.split('\n')) {
        const m = /(>>?|\|\s*tee\s+(-a\s+)?|Out-File|Add-Content|Set-Content)[^\n]*?(\$\{?GITHUB_(ENV|PATH)\}?|\$env:GITHUB_(ENV|PATH)|%GITHUB_(ENV|PATH)%)/i.exec(line);
        if (!m) continue;
        const written = line.slice(0, m.index);
        if (!/\$|%\w+%|`/.test(written) && !/^\s*(cat|tee)\b/.test(line)) continue;
        ctx.report('github-env', keyNode(step.node, 'run') ?? step.runNode, `this script writes a computed value to ${m[3]!.replace(/[${}%]|env:/g, '')}: in a ${env.kind === 'action' ? 'action that may run in a privileged workflow' : 'privileged workflow'}, data an attacker controls can set variables such as LD_PRELOAD or PATH and run code`, { span: step.runNode });
        break;
      }
    }
    // adhoc-packages and use-trusted-publishing: per command
    const base = step.runNode.range?.[0] ?? 0;
    const source = ctx.text.slice(base, step.runNode.range?.[1] ?? base);
    for (const cmd of commands(source)) {
      const pos = ctx.pos(base + cmd.offset);
      if (/^(sudo\s+)?gem\s+(install|i)\s+(-[-\w=]+\s+)*[\w]/.test(cmd.text) || /^(sudo\s+)?npm\s+(install|i|add)\s+(-[-\w=]+\s+)*[@\w]/.test(cmd.text)) {
        ctx.report('adhoc-packages', pos, `\`${cmd.text.split(/\s+/).slice(0, 3).join(' ')}\` installs a package outside a lockfile`, { span: step.runNode });
      }
      if ((/^cargo\s+(\+\S+\s+)?publish\b/.test(cmd.text) || /^(npm|pnpm|yarn\s+npm)\s+publish\b/.test(cmd.text)) && !/\s(--dry-run|-n)\b/.test(cmd.text)) {
        ctx.report('use-trusted-publishing', pos, `\`${cmd.text.split('\n')[0]}\` publishes with a long-lived token; the registry supports Trusted Publishing`, { span: step.runNode });
      }
    }
  }
}

/** Commands of a script: each line (continuations joined), with its offset in `source`. */
function commands(source: string): Array<{ text: string; offset: number }> {
  const out: Array<{ text: string; offset: number }> = [];
  const lines = source.split('\n');
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const lead = raw.length - raw.trimStart().length;
    let text = raw.trim().replace(/^(run:\s*[|>]?[-+]?\s*)/, '');
    const start = offset + lead + (raw.trim().length - text.length);
    let j = i;
    while (/[\\`]$/.test(text) && j + 1 < lines.length) {
      j++;
      text = `${text.slice(0, -1).trimEnd()} ${lines[j]!.trim()}`;
    }
    for (const part of text.split(/\s*(?:&&|\|\||;)\s*/)) if (part) out.push({ text: part.replace(/^["']|["']$/g, ''), offset: start + Math.max(0, text.indexOf(part)) });
    for (let k = i; k <= j; k++) offset += lines[k]!.length + 1;
    i = j;
  }
  return out;
}

/** use-trusted-publishing for publishing actions given a token. */
function auditPublishingStep(ctx: Ctx, step: Step): void {
  const parsed = step.uses ? parseUses(step.uses) : undefined;
  if (!parsed) return;
  const w = (k: string) => get(step.withNode, k);
  const flag = (node: Node | undefined, why: string) => ctx.report('use-trusted-publishing', step.usesNode, why, { span: node ?? step.node });
  if (parsed.slug === 'pypa/gh-action-pypi-publish' && w('password')) flag(w('password'), '`pypa/gh-action-pypi-publish` is given a `password` (API token) although PyPI supports Trusted Publishing');
  if (parsed.slug === 'rubygems/release-gem' && /^false$/i.test(str(w('setup-trusted-publisher'))?.trim() ?? '')) flag(w('setup-trusted-publisher'), '`setup-trusted-publisher: false` publishes to RubyGems with a long-lived key');
  if (parsed.slug === 'rubygems/configure-rubygems-credentials' && w('api-token')) flag(w('api-token'), 'RubyGems credentials from an `api-token` instead of Trusted Publishing');
  if (parsed.slug === 'actions/setup-node' && /^true$/i.test(str(w('always-auth'))?.trim() ?? '')) flag(w('always-auth'), '`always-auth: true` configures a long-lived npm token; npm supports Trusted Publishing');
}
