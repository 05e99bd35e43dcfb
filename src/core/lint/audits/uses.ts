/**
 * Rules about what a step or job `uses:`: pinning (unpinned-uses, ref-version-mismatch),
 * provenance (archived-uses, typosquat-uses), and action-specific hazards (artipacked,
 * unpinned-tools, superfluous-actions, github-app, misfeature's setup-python pip-install,
 * obfuscated references). Semantics follow https://docs.zizmor.sh/audits/.
 */
import { isSeq, type Node } from 'yaml';
import { ARCHIVED_REPOSITORIES, POPULAR_ACTIONS, SUPERFLUOUS_ACTIONS, UNPINNED_TOOL_ACTIONS } from '../data.ts';
import { entries, get, parseUses, str, type Ctx, type Step } from '../model.ts';

const SHA40 = /^[0-9a-f]{40}$/i;
const SEMVER_TAG = /^v\d+\.\d+\.\d+$/;
const DIGEST = /@sha256:[0-9a-f]{64}$/;
/** A version named in a comment: `v4.2.2`, `tag=v4.2.2`, `actions/checkout@v4`, `create-github-app-token/v0.2.2`, `1.2.3rc1`. */
const VERSION_IN_COMMENT = /(?:^|[\s=@/:])v?(\d+(?:\.\d+){0,3}(?:[-.+]?[A-Za-z0-9.]*)?)\b/;

/** Default of the `selfRepos` option: this toolkit's own repository. */
export const SELF_REPOS = ['dataops-actions/dataops-actions'];

/** Version named by a `uses:` comment, or undefined. */
export function commentVersion(comment: string | undefined): string | undefined {
  if (!comment) return undefined;
  const m = VERSION_IN_COMMENT.exec(comment);
  return m ? m[1] : undefined;
}

function normVersion(v: string): string[] {
  return v.replace(/^v/i, '').split(/[.]/);
}

/** Checks one `uses:` reference (a step's or a reusable-workflow call's). */
export function auditUses(ctx: Ctx, usesNode: Node, uses: string, self: readonly string[], what: string, stepSpan?: Node): void {
  if (uses.startsWith('./') || uses === '') return;
  const node = ctx.valueAt(usesNode);
  const span = stepSpan ?? usesNode;
  if (uses.startsWith('docker://')) {
    const image = uses.slice('docker://'.length);
    if (DIGEST.test(image)) return;
    const tag = /:([^/:@]+)$/.exec(image)?.[1];
    if (!tag || tag === 'latest') ctx.report('unpinned-uses', node, `\`${uses}\` is not pinned to a tag or digest: any push to the image changes what runs`, { severity: 'warning', span });
    else ctx.report('unpinned-uses', node, `\`${uses}\` is pinned to the movable tag "${tag}", not a digest`, { severity: 'warning', persona: 'pedantic', span });
    return;
  }
  const parsed = parseUses(uses);
  if (!parsed) return;
  const comment = ctx.comment(node.line) ?? ctx.comment(ctx.at(usesNode).line);
  // provenance
  if (ARCHIVED_REPOSITORIES.has(parsed.slug)) ctx.report('archived-uses', node, `${what} \`${uses}\` comes from ${parsed.slug}, an archived repository that gets no fixes`, { span });
  const squat = typosquatOf(parsed.slug);
  if (squat) ctx.report('typosquat-uses', node, `${what} \`${parsed.slug}\` ${squat.how} \`${squat.popular}\``, { span });
  // obfuscated path components
  const target = uses.slice(0, uses.lastIndexOf('@') > 0 ? uses.lastIndexOf('@') : uses.length);
  const comps = target.split('/');
  if (comps.slice(1).some((c) => c === '' || c === '.' || c === '..')) ctx.report('obfuscation', node, `${what} \`${uses}\` has an empty, \`.\` or \`..\` path component that hides what it points to`, { span });
  // pinning
  if (self.includes(parsed.slug) && SEMVER_TAG.test(parsed.ref)) return; // own release: see SELF_REPOS
  if (!SHA40.test(parsed.ref)) {
    ctx.report('unpinned-uses', node, `${what} \`${uses}\` is pinned to "${parsed.ref || '(nothing)'}", a movable ref, not a commit SHA`, { span });
    const version = commentVersion(comment);
    if (version && /^v?\d/.test(parsed.ref) && normVersion(version).join('.') !== normVersion(parsed.ref).join('.')) {
      ctx.report('ref-version-mismatch', node, `the comment names ${version} but \`${uses}\` is pinned to ${parsed.ref}`, { span });
    }
    return;
  }
  if (!comment) ctx.report('ref-version-mismatch', node, `${what} \`${uses}\` is pinned to a SHA without a comment naming its version`, { severity: 'note', persona: 'pedantic', span });
  else if (!commentVersion(comment)) ctx.report('ref-version-mismatch', node, `the comment of \`${uses}\` names no version`, { severity: 'note', persona: 'pedantic', span });
}

/** How `slug` imitates a popular action, if it is one typo away from one. */
export function typosquatOf(slug: string): { popular: string; how: string } | undefined {
  if (POPULAR_ACTIONS.includes(slug)) return undefined;
  const homoglyph = (s: string) => s.replace(/0/g, 'o').replace(/1/g, 'l').replace(/3/g, 'e').replace(/5/g, 's').replace(/rn/g, 'm');
  const owner = slug.split('/')[0];
  for (const popular of POPULAR_ACTIONS) {
    if (Math.abs(popular.length - slug.length) > 1 || popular.split('/')[0] === owner) continue;
    if (slug.length === popular.length - 1) {
      for (let i = 0; i < popular.length; i++) if (popular.slice(0, i) + popular.slice(i + 1) === slug) return { popular, how: 'omits a character of' };
    }
    if (slug.length === popular.length + 1) {
      for (let i = 1; i < slug.length; i++) if (slug[i] === slug[i - 1] && slug.slice(0, i) + slug.slice(i + 1) === popular) return { popular, how: 'repeats a character of' };
    }
    if (slug.length === popular.length) {
      const diff = [...slug].map((c, i) => (c !== popular[i] ? i : -1)).filter((i) => i >= 0);
      if (diff.length === 2 && diff[1] === diff[0]! + 1 && slug[diff[0]!] === popular[diff[1]] && slug[diff[1]] === popular[diff[0]!]) return { popular, how: 'swaps two characters of' };
      if (diff.length > 0 && homoglyph(slug) === homoglyph(popular)) return { popular, how: 'uses look-alike characters for' };
    }
  }
  return undefined;
}

function input(step: Step, name: string): Node | undefined {
  for (const [k, v] of entries(step.withNode)) if (k.toLowerCase() === name) return v ?? ({} as Node);
  return undefined;
}

/** Rules specific to the action a step uses. */
export function auditStepAction(ctx: Ctx, step: Step): void {
  if (!step.uses || !step.usesNode) return;
  const parsed = parseUses(step.uses);
  if (!parsed) return;
  const withExpr = str(step.withNode);
  if (withExpr !== undefined && withExpr.includes('${{')) {
    ctx.report('obfuscation', step.withNode, '`with:` is a whole expression: its inputs cannot be analysed', { severity: 'note' });
  }

  // artipacked
  if (parsed.slug === 'actions/checkout') {
    const persist = input(step, 'persist-credentials');
    const value = str(persist)?.trim();
    if (withExpr?.includes('${{')) ctx.report('artipacked', step.withNode, '`actions/checkout` with a computed `with:` may keep the token in .git/config', { severity: 'note', persona: 'pedantic', span: step.node });
    else if (persist === undefined) ctx.report('artipacked', step.node, '`actions/checkout` keeps the token in .git/config for every later step (and any artifact of the workspace)', { span: step.node });
    else if (value?.includes('${{')) ctx.report('artipacked', step.node, '`persist-credentials` is computed, so the token may stay in .git/config', { persona: 'pedantic', span: step.node });
    else if (!/^false$/i.test(value ?? '')) ctx.report('artipacked', step.node, '`persist-credentials: true` keeps the token in .git/config for every later step', { persona: 'auditor', span: step.node });
  }

  // unpinned-tools
  const tool = UNPINNED_TOOL_ACTIONS[parsed.slug];
  if (tool) {
    const v = input(step, tool[0]);
    const value = str(v)?.trim();
    if (v === undefined) ctx.report('unpinned-tools', step.usesNode, `\`${parsed.slug}\` installs the latest ${tool[0] === 'version' ? 'tool' : tool[0]} when \`${tool[0]}\` is omitted`);
    else if (value === tool[1]) ctx.report('unpinned-tools', v, `\`${tool[0]}: ${tool[1]}\` installs whatever release is newest`);
    else if (value?.includes('${{')) ctx.report('unpinned-tools', v, `\`${tool[0]}\` is computed and may select an unpinned release`);
  }

  // superfluous-actions
  const sup = SUPERFLUOUS_ACTIONS[parsed.slug];
  if (sup) ctx.report('superfluous-actions', step.usesNode, `\`${parsed.slug}\` does what the runner already can: ${sup[0]}`, { persona: sup[1] });

  // github-app
  if (parsed.slug === 'actions/create-github-app-token') {
    const skip = input(step, 'skip-token-revoke');
    const sv = str(skip)?.trim();
    if (sv?.includes('${{')) ctx.report('github-app', skip, 'token revocation is conditionally disabled: the token outlives the job');
    else if (sv && /^true$/i.test(sv)) ctx.report('github-app', skip, '`skip-token-revoke: true` leaves the token valid after the job (up to an hour)');
    const owner = input(step, 'owner');
    if (owner !== undefined && input(step, 'repositories') === undefined) ctx.report('github-app', owner, '`owner` without `repositories` grants the token every repository of the installation');
    if (owner !== undefined && !entries(step.withNode).some(([k]) => k.toLowerCase().startsWith('permission-'))) ctx.report('github-app', step.usesNode, 'the token for another owner inherits every permission of the app installation');
  }

  // misfeature: setup-python pip-install
  if (parsed.slug === 'actions/setup-python') {
    const pip = input(step, 'pip-install');
    if (pip !== undefined) ctx.report('misfeature', pip, '`pip-install` installs packages into the system interpreter, outside a virtual environment', { severity: 'note' });
  }
}

/** Docker images of jobs and services, and docker actions' `runs.image`. */
export function auditImage(ctx: Ctx, node: Node | undefined, what: string, matrix: Node | undefined, span?: Node): void {
  const value = str(node)?.trim();
  if (value === undefined || value === '') return;
  const check = (image: string, at: Node | undefined, via?: string) => {
    const bare = image.replace(/^docker:\/\//, '');
    if (bare === '' || DIGEST.test(bare)) return;
    const tag = /:([^/:@]+)$/.exec(bare)?.[1];
    const suffix = via ? ` (${via})` : '';
    if (!tag) ctx.report('unpinned-images', node, `${what} image "${image}"${suffix} has no tag: it runs whatever was pushed last`, { span: span ?? at });
    else if (tag === 'latest') ctx.report('unpinned-images', node, `${what} image "${image}"${suffix} is pinned to latest`, { span: span ?? at });
    else ctx.report('unpinned-images', node, `${what} image "${image}"${suffix} is not pinned by digest`, { persona: 'pedantic', span: span ?? at });
  };
  if (!value.includes('${{')) return check(value, node);
  // expand `${{ matrix.x }}` (alone or inside a reference such as `rockylinux:${{ matrix.v }}`)
  // over the matrix's literal values, and check literals inside other expressions
  const refs = [...value.matchAll(/\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}/g)];
  const rest = value.replace(/\$\{\{\s*matrix\.[A-Za-z0-9_-]+\s*\}\}/g, '');
  if (refs.length === 1 && matrix && !rest.includes('${{')) {
    const key = refs[0]![1]!;
    for (const [item, at] of matrixValues(matrix, key)) check(value.replace(refs[0]![0], item), at, `matrix.${key} = ${item}`);
    return;
  }
  for (const lit of value.matchAll(/'([^']+)'/g)) if (/^[a-z0-9][\w./-]*(:[\w.-]+)?(@sha256:[0-9a-f]{64})?$/i.test(lit[1]!) && /[/:]|^[a-z]+$/.test(lit[1]!)) check(lit[1]!, node);
  if (!/'/.test(value)) ctx.report('unpinned-images', node, `${what} image is computed (\`${value}\`) and may be unpinned`, { persona: 'pedantic', span });
}

/** Literal values of matrix key `key`: its list (or scalar) and its `include` rows, with their nodes. */
function matrixValues(matrix: Node, key: string): Array<[string, Node | undefined]> {
  const out: Array<[string, Node | undefined]> = [];
  const add = (node: Node | undefined) => {
    const s = str(node);
    if (s !== undefined && !s.includes('${{')) out.push([s, node]);
  };
  for (const [k, v] of entries(matrix)) {
    if (k === key) for (const item of isSeq(v) ? (v.items as Node[]) : [v]) add(item);
    if (k === 'include') for (const row of isSeq(v) ? (v.items as Node[]) : []) add(get(row, key));
  }
  return out;
}
