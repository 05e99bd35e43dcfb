/**
 * The YAML model the offline rules work on: a `yaml` Document (so every finding names
 * file:line:column), typed accessors for workflows, jobs, steps and composite actions, the comment
 * of a line, and a reporting context that applies personas and inline ignore comments
 * (`# dataops: ignore[rule] reason`, zizmor's `# zizmor: ignore[audit]`).
 * Workflow syntax: https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type YAMLMap } from 'yaml';
import { canonicalRuleId, helpUrl, PERSONA_RANK, RULES, type Persona, type WorkflowRuleId } from './rules.ts';
import type { Finding, LintSeverity } from './types.ts';

/** Value node of `key` in a map (first match), or undefined. */
export function get(map: unknown, key: string): Node | undefined {
  if (!isMap(map)) return undefined;
  for (const pair of map.items) if (isScalar(pair.key) && pair.key.value === key) return (pair.value ?? undefined) as Node | undefined;
  return undefined;
}
/** Key node of `key` in a map, or undefined. */
export function keyNode(map: unknown, key: string): Node | undefined {
  if (!isMap(map)) return undefined;
  for (const pair of map.items) if (isScalar(pair.key) && pair.key.value === key) return pair.key;
  return undefined;
}
/** True when the map has `key` (even with an empty value). */
export function has(map: unknown, key: string): boolean {
  return keyNode(map, key) !== undefined;
}
/** A scalar's value as a string (numbers and booleans included); block scalars keep their text. */
export function str(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const v: unknown = node.value;
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : v === null ? '' : undefined;
}
/** `[key, value, keyNode]` of a map's scalar keys. */
export function entries(map: unknown): Array<[string, Node | undefined, Node]> {
  if (!isMap(map)) return [];
  return map.items.filter((p) => isScalar(p.key)).map((p) => [String((p.key as { value: unknown }).value), (p.value ?? undefined) as Node | undefined, p.key as Node]);
}
/** Items of a sequence node (empty for anything else). */
export function items(node: unknown): Node[] {
  return isSeq(node) ? (node.items as Node[]) : [];
}

/** A step of a job or composite action. */
export interface Step {
  node: YAMLMap;
  index: number;
  /** `uses:` trimmed (block scalars included), if any. */
  uses?: string | undefined;
  usesNode?: Node | undefined;
  run?: string | undefined;
  runNode?: Node | undefined;
  withNode?: Node | undefined;
  env?: Node | undefined;
  id?: string | undefined;
  name?: string | undefined;
  ifNode?: Node | undefined;
  shell?: string | undefined;
}

/** Steps of a `steps:` sequence. */
export function stepsOf(seq: Node | undefined): Step[] {
  return items(seq)
    .map((node, index) => ({ node, index }))
    .filter((s): s is { node: YAMLMap; index: number } => isMap(s.node))
    .map(({ node, index }) => {
      const usesNode = get(node, 'uses');
      const runNode = get(node, 'run');
      return {
        node,
        index,
        uses: str(usesNode)?.trim(),
        usesNode,
        run: str(runNode),
        runNode,
        withNode: get(node, 'with'),
        env: get(node, 'env'),
        id: str(get(node, 'id')),
        name: str(get(node, 'name')),
        ifNode: get(node, 'if'),
        shell: str(get(node, 'shell')),
      };
    });
}

/** `owner/repo[/path]@ref` split, lower-cased repo; undefined for local (`./`) and `docker://` references. */
export function parseUses(uses: string): { owner: string; repo: string; path: string; ref: string; slug: string } | undefined {
  if (uses.startsWith('./') || uses.startsWith('docker://')) return undefined;
  const at = uses.lastIndexOf('@');
  const target = at > 0 ? uses.slice(0, at) : uses;
  const ref = at > 0 ? uses.slice(at + 1) : '';
  const [owner = '', repo = '', ...rest] = target.split('/');
  return { owner: owner.toLowerCase(), repo: repo.toLowerCase(), path: rest.join('/'), ref, slug: `${owner}/${repo}`.toLowerCase() };
}

/** Options of the reporting context. */
export interface CtxOptions {
  disable: Set<string>;
  persona: Persona;
}

/** Where a finding points: a 1-based line and column. */
export interface Pos {
  line: number;
  column: number;
}

/**
 * Reporting context of one file: positions, comments, personas and inline ignores. A finding is
 * kept when its persona is at or below the run's, its rule is not disabled, and no ignore comment
 * for the rule (`# dataops: ignore[rule] reason` or `# zizmor: ignore[rule]`) sits on its line or
 * inside the node it reports.
 */
export class Ctx {
  readonly findings: Finding[] = [];
  readonly lines: string[];
  readonly file: string;
  readonly text: string;
  readonly doc: Document;
  private readonly counter: LineCounter;
  private readonly opts: CtxOptions;
  constructor(file: string, text: string, doc: Document, counter: LineCounter, opts: CtxOptions) {
    this.file = file;
    this.text = text;
    this.doc = doc;
    this.counter = counter;
    this.lines = text.split(/\r?\n/);
    this.opts = opts;
  }
  /** The run's persona. */
  get persona(): Persona {
    return this.opts.persona;
  }
  /** True when findings of persona `p` are shown in this run. */
  shows(p: Persona): boolean {
    return PERSONA_RANK[p] <= PERSONA_RANK[this.opts.persona];
  }
  pos(offset: number): Pos {
    const p = this.counter.linePos(offset);
    return { line: p.line, column: p.col };
  }
  at(node: Node | null | undefined): Pos {
    return node?.range ? this.pos(node.range[0]) : { line: 1, column: 1 };
  }
  /** Where a scalar's value starts: for a block scalar (`|`, `>`), its first content character. */
  valueAt(node: Node | null | undefined): Pos {
    if (!node?.range) return { line: 1, column: 1 };
    const src = this.text.slice(node.range[0], node.range[1]);
    if (/^[|>]/.test(src)) {
      const nl = src.indexOf('\n');
      const rest = nl < 0 ? '' : src.slice(nl + 1);
      const lead = rest.length - rest.trimStart().length;
      if (nl >= 0 && rest.trim()) return this.pos(node.range[0] + nl + 1 + lead);
    }
    return this.at(node);
  }
  /** Last line of a node. */
  endLine(node: Node | null | undefined): number {
    return node?.range ? this.pos(Math.max(node.range[0], node.range[1] - 1)).line : this.at(node).line;
  }
  /** Source text of a node. */
  source(node: Node | null | undefined): string {
    return node?.range ? this.text.slice(node.range[0], node.range[1]) : '';
  }
  /** The comment on a line (text after an unquoted `#`), or undefined. */
  comment(line: number): string | undefined {
    const l = this.lines[line - 1] ?? '';
    const m = /(?:^|\s)#(.*)$/.exec(l.replace(/'[^']*'|"(?:[^"\\]|\\.)*"/g, (s) => ' '.repeat(s.length)));
    return m ? (l.slice(l.length - m[1]!.length) ?? '').trim() : undefined;
  }
  /** True when the line of `node`, or the comment-only lines right above it, carry a comment. */
  documented(node: Node | null | undefined): boolean {
    const { line } = this.at(node);
    if ((this.comment(line) ?? '').replace(/^#+/, '').trim()) return true;
    for (let l = line - 1; l >= 1; l--) {
      const t = (this.lines[l - 1] ?? '').trim();
      if (!t.startsWith('#')) break;
      if (t.replace(/^#+/, '').trim()) return true;
    }
    return false;
  }

  /**
   * Records a finding of `rule` at `where` (a node or a position).
   * @param opts.persona lowest persona that shows it (default: the rule's, else regular)
   * @param opts.span node whose lines an ignore comment may sit on (default: the reported node)
   */
  report(rule: WorkflowRuleId, where: Node | Pos | null | undefined, problem: string, opts: { severity?: LintSeverity; persona?: Persona; span?: Node | undefined } = {}): void {
    if (this.opts.disable.has(rule)) return;
    const meta = RULES[rule]!;
    const persona = opts.persona ?? meta.persona ?? 'regular';
    if (!this.shows(persona)) return;
    const pos = where && 'line' in where ? where : this.at(where);
    const spanNode = opts.span ?? (where && !('line' in where) ? (where) : undefined);
    const last = spanNode ? this.endLine(spanNode) : pos.line;
    if (this.ignored(rule, spanNode ? this.at(spanNode).line : pos.line, Math.max(last, pos.line))) return;
    this.findings.push({ ruleId: rule, severity: opts.severity ?? meta.severity, file: this.file, ...pos, message: `${problem}. ${meta.fix}`.trim(), helpUrl: helpUrl(rule) });
  }

  private ignored(rule: string, from: number, to: number): boolean {
    for (let l = Math.max(1, from); l <= to; l++) {
      const c = this.comment(l);
      if (!c) continue;
      for (const m of c.matchAll(/(dataops|zizmor):\s*ignore\[([^\]]*)\]\s*(.*)/g)) {
        const ids = m[2]!.split(',').map((s) => canonicalRuleId(s.trim()));
        // our own form asks for a reason after the bracket; zizmor's is honoured as teams wrote it
        if (ids.includes(rule) && (m[1] === 'zizmor' || m[3]!.replace(/^[-–—:\s]+/, '').length >= 3)) return true;
      }
    }
    return false;
  }
}
