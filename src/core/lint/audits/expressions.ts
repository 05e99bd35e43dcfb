/**
 * Rules about expressions anywhere in a workflow or action: conditions (bot-conditions,
 * unsound-contains, unsound-condition), pseudo-ternaries (unsound-ternary), secrets handling
 * (overprovisioned-secrets, unredacted-secrets) and obfuscation (constant expressions, computed
 * indexes). Semantics follow https://docs.zizmor.sh/audits/ and the expression reference
 * https://docs.github.com/en/actions/reference/workflows-and-actions/expressions
 */
import { isScalar, isPair, visit, type Node, type Scalar } from 'yaml';
import { constantValue, contextHead, contextPath, findExpressions, truthy, tryParse, walk, type Expr } from '../expr.ts';
import type { Ctx } from '../model.ts';

interface Located {
  expr: Expr;
  /** Offset of the expression source's first character in the file. */
  base: number;
  /** The `if:` key when this is a condition. */
  ifKey?: Node | undefined;
}

/** Every expression of the document with where it sits; `if:` values without `${{` are parsed whole. */
function collect(ctx: Ctx): { all: Located[]; ifs: Array<{ key: Node; value: Scalar }> } {
  const all: Located[] = [];
  const ifs: Array<{ key: Node; value: Scalar }> = [];
  visit(ctx.doc, {
    Pair(_k, pair) {
      if (isScalar(pair.key) && pair.key.value === 'if' && isScalar(pair.value)) ifs.push({ key: pair.key as Node, value: pair.value });
    },
    Scalar(_k, node, path) {
      if (!node.range || typeof node.value !== 'string') return;
      const parent = path[path.length - 1];
      const isIf = isPair(parent) && isScalar(parent.key) && parent.key.value === 'if' && parent.value === node;
      const source = ctx.text.slice(node.range[0], node.range[1]);
      const found = findExpressions(source);
      if (isIf && found.length === 0) {
        const e = tryParse(node.value);
        const quote = source.startsWith('"') || source.startsWith("'") ? 1 : 0;
        if (e) all.push({ expr: e, base: node.range[0] + quote, ifKey: parent.key as Node });
        return;
      }
      for (const f of found) {
        const e = tryParse(f.inner);
        if (e) all.push({ expr: e, base: node.range[0] + f.innerStart, ifKey: isIf ? (parent.key as Node) : undefined });
      }
    },
  });
  return { all, ifs };
}

const ACTOR = new Set(['github.actor', 'github.actor_id', 'github.triggering_actor']);

/** Runs the expression rules over the whole document. */
export function auditExpressions(ctx: Ctx): void {
  const { all, ifs } = collect(ctx);
  for (const { key, value } of ifs) {
    const raw = typeof value.value === 'string' ? value.value : undefined;
    if (raw === undefined || !raw.includes('${{')) continue;
    const found = findExpressions(raw);
    const single = found.length === 1 && found[0]!.start === 0 && found[0]!.end === raw.length;
    if (!single) ctx.report('unsound-condition', key, `this \`if:\` is the text ${JSON.stringify(raw.length > 60 ? `${raw.slice(0, 57)}...` : raw)}: an expression embedded in other text (or followed by a block scalar's newline) makes a non-empty string, which is always true`, { span: value as Node });
  }
  for (const { expr, base, ifKey } of all) {
    const at = (e: Expr) => ctx.pos(base + e.start);
    for (const node of walk(expr)) {
      // bot-conditions
      if (ifKey && node.type === 'binary' && node.op === '==') {
        const sides = [node.left, node.right];
        const actor = sides.find((s) => ACTOR.has(contextPath(s) ?? ''));
        const other = sides.find((s) => s !== actor);
        if (actor && other?.type === 'literal' && (/\[bot\]$/i.test(String(other.value)) || (contextPath(actor) === 'github.actor_id' && /^\d+$/.test(String(other.value))))) {
          ctx.report('bot-conditions', at(node), `\`${contextPath(actor)} == ${JSON.stringify(other.value)}\` can be satisfied by anyone who re-runs or re-triggers a bot's workflow`, { span: ifKey });
        }
      }
      // unsound-contains
      if (ifKey && node.type === 'call' && node.name === 'contains' && node.args[0]?.type === 'literal' && typeof node.args[0].value === 'string') {
        const path = node.args[1] ? contextPath(node.args[1]) : undefined;
        if (path) ctx.report('unsound-contains', ifKey, `\`contains('${node.args[0].value}', ${path})\` is a substring test: any part of the string (e.g. "${node.args[0].value.slice(0, 2)}") passes`, { severity: path.startsWith('runner.') ? 'note' : undefined, span: ifKey });
      }
      // unsound-ternary
      if (node.type === 'binary' && node.op === '||' && node.left.type === 'binary' && node.left.op === '&&') {
        const t = node.left.right;
        const v = constantValue(t);
        if (t.type === 'literal' && v && !truthy(v.value)) ctx.report('unsound-ternary', at(t), `the "true" branch ${JSON.stringify(v.value)} of this \`&& … ||\` pseudo-ternary is falsy, so the expression always yields its "false" branch`);
      }
      // overprovisioned-secrets
      const arg0 = node.type === 'call' ? node.args[0] : undefined;
      if (node.type === 'call' && node.name === 'tojson' && node.args.length === 1 && arg0?.type === 'context' && arg0.parts.length === 1 && contextHead(arg0) === 'secrets') {
        ctx.report('overprovisioned-secrets', at(expr), '`toJSON(secrets)` puts every secret of the repository into the runner');
      }
      if (node.type === 'context' && contextHead(node) === 'secrets' && node.parts.length > 1 && typeof node.parts[1] === 'object' && node.parts[1].type !== 'literal') {
        ctx.report('overprovisioned-secrets', at(expr), 'a computed `secrets[…]` index can reach any secret of the repository');
      }
      // unredacted-secrets
      if (node.type === 'call' && node.name === 'fromjson' && node.args[0] && (contextPath(node.args[0]) ?? '').startsWith('secrets.')) {
        ctx.report('unredacted-secrets', at(expr), `values parsed out of \`${contextPath(node.args[0])}\` are not masked in logs`);
      }
      // obfuscation: computed indexes
      if (node.type === 'context' && node.parts.slice(1).some((p) => typeof p === 'object' && p.type !== 'literal')) {
        const idx = node.parts.slice(1).find((p): p is Expr => typeof p === 'object' && p.type !== 'literal')!;
        ctx.report('obfuscation', at(idx), 'the index of this context is computed, which hides what it reads', { persona: 'pedantic' });
      }
    }
    // obfuscation: constant (sub-)expressions
    const whole = constantValue(expr);
    if (whole && !ifKey) ctx.report('obfuscation', at(expr), `\`${exprText(ctx, base, expr)}\` always evaluates to ${JSON.stringify(whole.value)}: write the value itself`);
    else if (!whole) {
      for (const node of walk(expr)) {
        if ((node.type === 'call' || node.type === 'binary') && constantValue(node) && !parentIsConstant(expr, node)) {
          ctx.report('obfuscation', at(node), `\`${exprText(ctx, base, node)}\` can be reduced to a constant`);
        }
      }
    }
  }
}

function exprText(ctx: Ctx, base: number, e: Expr): string {
  return ctx.text.slice(base + e.start, base + e.end);
}

/** True when some ancestor of `node` inside `root` (other than root) is itself constant. */
function parentIsConstant(root: Expr, node: Expr): boolean {
  for (const n of walk(root)) {
    if (n === node || n === root) continue;
    if ((n.type === 'call' || n.type === 'binary') && constantValue(n) && walk(n).includes(node)) return true;
  }
  return false;
}
