/**
 * GitHub Actions expressions (`${{ … }}`): finding them in YAML text (multi-line included), a
 * small parser (literals, contexts with `.prop`/`['key']`/`[*]`/`.*` access, function calls, `!`,
 * comparisons, `&&`, `||`, parentheses), constant folding, and which contexts can flow into an
 * expression's value. Grammar and semantics:
 * https://docs.github.com/en/actions/reference/workflows-and-actions/expressions
 */

/** A parsed expression node; `start`/`end` are offsets in the expression source. */
export type Expr =
  | { type: 'literal'; value: string | number | boolean | null; start: number; end: number }
  | { type: 'context'; parts: Array<string | Expr>; start: number; end: number }
  | { type: 'call'; name: string; args: Expr[]; start: number; end: number }
  | { type: 'index'; target: Expr; parts: Array<string | Expr>; start: number; end: number }
  | { type: 'not'; expr: Expr; start: number; end: number }
  | { type: 'binary'; op: '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||'; left: Expr; right: Expr; start: number; end: number };

/** An expression found in text: its inner source, and offsets of `${{` and after `}}`. */
export interface FoundExpression {
  /** Text between `${{` and `}}` (untrimmed). */
  inner: string;
  /** Offset of `${{` in the searched text. */
  start: number;
  /** Offset just after `}}`. */
  end: number;
  /** Offset of `inner` in the searched text. */
  innerStart: number;
}

/**
 * Finds every `${{ … }}` in `text`, across lines, skipping `}}` inside single-quoted strings.
 * An unterminated `${{` is ignored.
 */
export function findExpressions(text: string): FoundExpression[] {
  const out: FoundExpression[] = [];
  let i = 0;
  for (;;) {
    const start = text.indexOf('${{', i);
    if (start < 0) break;
    let j = start + 3;
    let inString = false;
    let end = -1;
    while (j < text.length) {
      const c = text[j];
      if (inString) {
        if (c === "'") {
          if (text[j + 1] === "'") j++;
          else inString = false;
        }
      } else if (c === "'") inString = true;
      else if (c === '}' && text[j + 1] === '}') {
        end = j + 2;
        break;
      }
      j++;
    }
    if (end < 0) break;
    out.push({ inner: text.slice(start + 3, end - 2), start, end, innerStart: start + 3 });
    i = end;
  }
  return out;
}

type Token = { kind: 'num' | 'str' | 'ident' | 'op' | 'punct'; value: string; start: number; end: number };

/** Thrown for text that is not a valid expression. */
export class ExprSyntaxError extends Error {
  override readonly name = 'ExprSyntaxError';
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new ExprSyntaxError('unterminated string');
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += src[i];
        i++;
      }
      tokens.push({ kind: 'str', value, start, end: i });
      continue;
    }
    const num = /^(0x[0-9a-fA-F]+|-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)/.exec(src.slice(i));
    if (num && (/\d/.test(c) || (c === '-' && /\d|\./.test(src[i + 1] ?? '')) || (c === '.' && /\d/.test(src[i + 1] ?? '')))) {
      i += num[0].length;
      tokens.push({ kind: 'num', value: num[0], start, end: i });
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i));
    if (ident) {
      i += ident[0].length;
      tokens.push({ kind: 'ident', value: ident[0], start, end: i });
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) {
      i += 2;
      tokens.push({ kind: 'op', value: two, start, end: i });
      continue;
    }
    if ('<>!'.includes(c)) {
      i++;
      tokens.push({ kind: 'op', value: c, start, end: i });
      continue;
    }
    if ('()[].,*'.includes(c)) {
      i++;
      tokens.push({ kind: 'punct', value: c, start, end: i });
      continue;
    }
    throw new ExprSyntaxError(`unexpected character "${c}"`);
  }
  return tokens;
}

/**
 * Parses an expression (the text inside `${{ }}`, or a bare `if:` condition).
 * @throws ExprSyntaxError on invalid syntax.
 */
export function parseExpression(src: string): Expr {
  const tokens = tokenize(src);
  let p = 0;
  const peek = () => tokens[p];
  const next = () => {
    const t = tokens[p++];
    if (!t) throw new ExprSyntaxError('unexpected end of expression');
    return t;
  };
  const expect = (value: string) => {
    const t = next();
    if (t.value !== value) throw new ExprSyntaxError(`expected "${value}", got "${t.value}"`);
    return t;
  };
  const accessors = (parts: Array<string | Expr>): number => {
    let end = -1;
    for (;;) {
      const t = peek();
      if (t?.value === '.' && t.kind === 'punct') {
        p++;
        const n = next();
        if (n.value === '*') parts.push('*');
        else if (n.kind === 'ident' || n.kind === 'num') parts.push(n.value);
        else throw new ExprSyntaxError(`unexpected "${n.value}" after "."`);
        end = n.end;
      } else if (t?.value === '[' && t.kind === 'punct') {
        p++;
        if (peek()?.value === '*') {
          p++;
          parts.push('*');
        } else parts.push(or());
        end = expect(']').end;
      } else return end;
    }
  };
  const primary = (): Expr => {
    const t = next();
    if (t.kind === 'punct' && t.value === '(') {
      const e = or();
      const close = expect(')');
      const parts: Array<string | Expr> = [];
      const end = accessors(parts);
      return parts.length ? { type: 'index', target: e, parts, start: t.start, end } : { ...e, start: t.start, end: close.end };
    }
    if (t.kind === 'str') return { type: 'literal', value: t.value, start: t.start, end: t.end };
    if (t.kind === 'num') return { type: 'literal', value: Number(t.value), start: t.start, end: t.end };
    if (t.kind === 'ident') {
      const lower = t.value.toLowerCase();
      if (peek()?.value === '(') {
        p++;
        const args: Expr[] = [];
        if (peek()?.value !== ')') {
          for (;;) {
            args.push(or());
            if (peek()?.value === ',') p++;
            else break;
          }
        }
        const close = expect(')');
        const call: Expr = { type: 'call', name: lower, args, start: t.start, end: close.end };
        const parts: Array<string | Expr> = [];
        const end = accessors(parts);
        return parts.length ? { type: 'index', target: call, parts, start: t.start, end } : call;
      }
      if (lower === 'true' || lower === 'false') return { type: 'literal', value: lower === 'true', start: t.start, end: t.end };
      if (lower === 'null') return { type: 'literal', value: null, start: t.start, end: t.end };
      if (lower === 'nan' || lower === 'infinity') return { type: 'literal', value: lower === 'nan' ? Number.NaN : Number.POSITIVE_INFINITY, start: t.start, end: t.end };
      const parts: Array<string | Expr> = [t.value];
      const end = accessors(parts);
      return { type: 'context', parts, start: t.start, end: end < 0 ? t.end : end };
    }
    throw new ExprSyntaxError(`unexpected "${t.value}"`);
  };
  const unary = (): Expr => {
    const t = peek();
    if (t?.kind === 'op' && t.value === '!') {
      p++;
      const e = unary();
      return { type: 'not', expr: e, start: t.start, end: e.end };
    }
    return primary();
  };
  const binary = (ops: string[], sub: () => Expr) => (): Expr => {
    let left = sub();
    for (;;) {
      const t = peek();
      if (t?.kind !== 'op' || !ops.includes(t.value)) return left;
      p++;
      const right = sub();
      left = { type: 'binary', op: t.value as '==', left, right, start: left.start, end: right.end };
    }
  };
  const comparison = binary(['<', '<=', '>', '>='], unary);
  const equality = binary(['==', '!='], comparison);
  const and = binary(['&&'], equality);
  const or = binary(['||'], and);
  if (tokens.length === 0) throw new ExprSyntaxError('empty expression');
  const e = or();
  if (p < tokens.length) throw new ExprSyntaxError(`unexpected "${tokens[p]!.value}"`);
  return e;
}

/** Parses, or returns undefined for invalid syntax (actionlint reports syntax errors). */
export function tryParse(src: string): Expr | undefined {
  try {
    return parseExpression(src);
  } catch {
    return undefined;
  }
}

/**
 * The dotted, lower-cased path of a context access: `github.event.issue.title`,
 * `github.event.pull_request.labels.*.name` (indexes by number or `*` become `*`; string keys
 * become properties). Undefined when a key is computed.
 */
export function contextPath(e: Expr): string | undefined {
  if (e.type !== 'context') return undefined;
  const out: string[] = [];
  for (const part of e.parts) {
    if (part === '*') out.push('*');
    else if (typeof part === 'string') out.push(/^\d+$/.test(part) ? '*' : part.toLowerCase());
    else if (part.type === 'literal' && typeof part.value === 'string') out.push(part.value.toLowerCase());
    else if (part.type === 'literal' && typeof part.value === 'number') out.push('*');
    else return undefined;
  }
  return out.join('.');
}

/** The lower-cased name of a context's first part (`github` of `github.event.x`), or '' when it is not a context. */
export function contextHead(e: Expr): string {
  return e.type === 'context' && typeof e.parts[0] === 'string' ? e.parts[0].toLowerCase() : '';
}

/** Every node of `e`, depth first (`e` included). */
export function walk(e: Expr): Expr[] {
  const out: Expr[] = [e];
  const kids = (parts: Array<string | Expr>) => parts.filter((x): x is Expr => typeof x === 'object');
  switch (e.type) {
    case 'context':
      for (const k of kids(e.parts)) out.push(...walk(k));
      break;
    case 'call':
      for (const a of e.args) out.push(...walk(a));
      break;
    case 'index':
      out.push(...walk(e.target));
      for (const k of kids(e.parts)) out.push(...walk(k));
      break;
    case 'not':
      out.push(...walk(e.expr));
      break;
    case 'binary':
      out.push(...walk(e.left), ...walk(e.right));
      break;
    default:
      break;
  }
  return out;
}

/** Functions whose result is a boolean or a hash: nothing of their arguments reaches the value. */
const OPAQUE_FUNCTIONS = new Set(['contains', 'startswith', 'endswith', 'hashfiles', 'success', 'always', 'cancelled', 'failure', 'case']);

/**
 * The expressions whose value can become (part of) the value of `e`: for `a || b` both sides,
 * for `a && b` the right side, for `format`/`join`/`tojson`/`fromjson` their arguments; never
 * the operands of comparisons, `!` or boolean functions. Returns context nodes and `index`
 * nodes (a property of a function's result, e.g. `fromJSON(x).y`).
 */
export function dataflowContexts(e: Expr): Expr[] {
  switch (e.type) {
    case 'context':
      return [e];
    case 'index':
      return [e];
    case 'call':
      if (OPAQUE_FUNCTIONS.has(e.name)) return [];
      return e.args.flatMap((a, i) => (e.name === 'format' && i === 0 && a.type === 'literal' ? [] : dataflowContexts(a)));
    case 'binary':
      if (e.op === '||') return [...dataflowContexts(e.left), ...dataflowContexts(e.right)];
      if (e.op === '&&') return dataflowContexts(e.right);
      return [];
    default:
      return [];
  }
}

/** Value of a constant expression (no contexts), or undefined when it depends on the run. */
export function constantValue(e: Expr): { value: string | number | boolean | null } | undefined {
  switch (e.type) {
    case 'literal':
      return { value: e.value };
    case 'not': {
      const v = constantValue(e.expr);
      return v ? { value: !truthy(v.value) } : undefined;
    }
    case 'binary': {
      const l = constantValue(e.left);
      const r = constantValue(e.right);
      if (e.op === '&&') {
        if (l && !truthy(l.value)) return l;
        return l && r ? r : undefined;
      }
      if (e.op === '||') {
        if (l && truthy(l.value)) return l;
        return l && r ? r : undefined;
      }
      if (!l || !r) return undefined;
      const a = l.value;
      const b = r.value;
      const eq = typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : a === b;
      switch (e.op) {
        case '==':
          return { value: eq };
        case '!=':
          return { value: !eq };
        default: {
          const x = Number(a);
          const y = Number(b);
          return { value: e.op === '<' ? x < y : e.op === '<=' ? x <= y : e.op === '>' ? x > y : x >= y };
        }
      }
    }
    case 'call': {
      const args = e.args.map(constantValue);
      if (args.some((a) => !a)) return undefined;
      const v = args.map((a) => a!.value);
      const s = (x: string | number | boolean | null | undefined) => (x === null || x === undefined ? '' : String(x));
      if (e.name === 'format' && typeof v[0] === 'string') return { value: v[0].replace(/\{(\d+)\}/g, (_m, n: string) => s(v[Number(n) + 1])) };
      if (e.name === 'startswith') return { value: s(v[0]).toLowerCase().startsWith(s(v[1]).toLowerCase()) };
      if (e.name === 'endswith') return { value: s(v[0]).toLowerCase().endsWith(s(v[1]).toLowerCase()) };
      if (e.name === 'contains') return { value: s(v[0]).toLowerCase().includes(s(v[1]).toLowerCase()) };
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Truthiness as GitHub evaluates it. */
export function truthy(v: string | number | boolean | null): boolean {
  return !(v === false || v === null || v === 0 || v === '' || (typeof v === 'number' && Number.isNaN(v)));
}
