/**
 * Parity with zizmor on its own integration fixtures (tests/fixtures/zizmor, MIT, see README.md
 * there): every rule runs over every fixture at the persona of zizmor's snapshot test, and per
 * audit we measure
 * - recall: the share of zizmor's findings (expectations.json, taken from the inline snapshots of
 *   crates/zizmor/tests/integration/audit/*.rs) that one of our findings of the same id hits, on a
 *   line of zizmor's primary span; target ≥ 90 %;
 * - false findings: the share of the fixtures of an audit's own tests that zizmor reports clean at
 *   that persona on which our rule of that audit reports anything; target ≤ 5 %. (Each snapshot
 *   was taken by the test file of one audit; fixtures and snapshots come from several zizmor
 *   versions, whose other audits' policies differ, e.g. unpinned-uses once accepted `actions/*@v4`.)
 * The table is printed (the figures quoted in the issue's closing note come from it).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKFLOW_RULE_IDS, type Persona } from '../../../src/core/lint/rules.ts';
import { lintActionsYaml, type ActionsFileKind } from '../../../src/core/lint/workflow.ts';
import type { Finding } from '../../../src/core/lint/types.ts';

const root = path.resolve(import.meta.dirname, '../../fixtures/zizmor');

interface Expected {
  audit: string;
  lines: [number, number];
  /** Text zizmor's snapshot shows on the first line: proves fixture and snapshot agree. */
  text: string;
}
interface Case {
  file: string;
  persona: Persona;
  source: string;
  findings: Expected[];
  /** Lines added (+) or removed (−) above the findings in the fixture version held, when it differs from the snapshot's and the anchor text is ambiguous. */
  shift?: number;
}

const cases = JSON.parse(readFileSync(path.join(root, 'expectations.json'), 'utf8')) as Case[];
const ours = new Set<string>(WORKFLOW_RULE_IDS);

function kindOf(file: string): ActionsFileKind {
  if (/(^|\/)dependabot\.ya?ml$/.test(file)) return 'dependabot';
  if (/(^|\/)action\.ya?ml$/.test(file)) return 'action';
  return 'workflow';
}

/**
 * The first line of `e` in this fixture: the snapshot's line, or — when the fixture version we
 * hold has lines added or removed above it — the nearest line (within 12) that shows the same text.
 */
export function anchor(lines: string[], e: Expected, shift = 0): number | undefined {
  const at = e.lines[0] + shift;
  for (let d = 0; d <= 12; d++) {
    for (const l of d === 0 ? [at] : [at - d, at + d]) if ((lines[l - 1] ?? '').includes(e.text)) return l;
  }
  return undefined;
}

function run(c: Case): { text: string; findings: Finding[] } {
  const text = readFileSync(path.join(root, c.file), 'utf8');
  return { text, findings: lintActionsYaml(c.file, text, kindOf(c.file), { persona: c.persona }) };
}

/** The audit whose test file took a snapshot (`…/audit/template_injection.rs::…` → template-injection). */
function auditOf(c: Case): string {
  return /audit\/([a-z_]+)\.rs/.exec(c.source)![1]!.replace(/_/g, '-');
}

const misses: string[] = [];
const falses: string[] = [];

/** Per-audit recall and false-finding rates over the corpus. */
export function parityTable(): Array<{ audit: string; expected: number; hit: number; recall: number; clean: number; falseCases: number; falseRate: number }> {
  misses.length = 0;
  falses.length = 0;
  const stats = new Map<string, { expected: number; hit: number; falseCases: number; clean: number }>();
  const stat = (a: string) => stats.get(a) ?? (stats.set(a, { expected: 0, hit: 0, falseCases: 0, clean: 0 }), stats.get(a)!);
  for (const c of cases) {
    const { text, findings } = run(c);
    const lines = text.split('\n');
    for (const e of c.findings) {
      if (!ours.has(e.audit)) continue;
      const s = stat(e.audit);
      s.expected++;
      const first = anchor(lines, e, c.shift) ?? e.lines[0];
      const last = first + e.lines[1] - e.lines[0];
      if (findings.some((f) => f.ruleId === e.audit && f.line >= first && f.line <= last)) s.hit++;
      else misses.push(`${c.file}:${first} ${e.audit} (${c.persona})`);
    }
    if (c.findings.length === 0) {
      const audit = auditOf(c);
      const s = stat(audit);
      s.clean++;
      const own = findings.filter((f) => f.ruleId === audit);
      if (own.length) s.falseCases++;
      for (const f of own) falses.push(`${c.file}:${f.line} ${f.ruleId} (${c.persona}): ${f.message.slice(0, 100)}`);
    }
  }
  return [...stats.entries()]
    .map(([audit, s]) => ({ audit, expected: s.expected, hit: s.hit, recall: s.expected ? s.hit / s.expected : 1, clean: s.clean, falseCases: s.falseCases, falseRate: s.clean ? s.falseCases / s.clean : 0 }))
    .sort((a, b) => a.audit.localeCompare(b.audit));
}

describe('zizmor integration corpus', () => {
  it('has fixtures that agree with the snapshots they were taken with', () => {
    const problems: string[] = [];
    for (const c of cases) {
      const lines = readFileSync(path.join(root, c.file), 'utf8').split('\n');
      for (const e of c.findings) if (anchor(lines, e, c.shift) === undefined) problems.push(`${c.file}:${e.lines[0]} does not contain ${JSON.stringify(e.text)} (${c.source})`);
    }
    expect(problems).toEqual([]);
    expect(cases.length).toBeGreaterThan(50);
  });

  it('reaches ≥ 90 % recall per audit at zizmor\'s persona and ≤ 5 % findings on fixtures zizmor reports clean', () => {
    const table = parityTable();
    const rows = table.map((r) => `| ${r.audit} | ${r.hit}/${r.expected} | ${(r.recall * 100).toFixed(0)} % | ${r.falseCases}/${r.clean} | ${(r.falseRate * 100).toFixed(1)} % |`);
    const total = table.reduce((a, r) => ({ e: a.e + r.expected, h: a.h + r.hit }), { e: 0, h: 0 });
    console.log(['| audit | hits | recall | clean fixtures flagged | false rate |', '| --- | --- | --- | --- | --- |', ...rows, `| all | ${total.h}/${total.e} | ${((total.h / total.e) * 100).toFixed(1)} % | | |`].join('\n'));
    if (misses.length) console.log(`missed:\n${misses.join('\n')}`);
    if (falses.length) console.log(`on clean fixtures:\n${falses.join('\n')}`);
    const below = table.filter((r) => r.expected > 0 && r.recall < 0.9).map((r) => `${r.audit} recall ${(r.recall * 100).toFixed(0)} %`);
    const noisy = table.filter((r) => r.falseRate > 0.05).map((r) => `${r.audit} flags ${r.falseCases} of ${r.clean} clean fixtures`);
    expect([...below, ...noisy]).toEqual([]);
  });
});
