/**
 * Every offline rule has a MUST-FAIL and a MUST-PASS fixture under tests/fixtures/lint/<rule>/:
 * `fail*.yml` must raise that rule (at the persona named by a `# lint-persona:` first line, else
 * regular); `pass*.yml` must raise nothing of ours at the regular persona, nothing of that rule
 * even at the auditor persona, and nothing from actionlint. `*.dependabot.yml` files are linted as
 * `.github/dependabot.yml`, files with `runs:` as action metadata.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { WORKFLOW_RULE_IDS, type Persona } from '../../../src/core/lint/rules.ts';
import { actionsFileKind, lintActionsYaml, type ActionsFileKind } from '../../../src/core/lint/workflow.ts';
import { runActionlint } from '../../../src/core/lint/actionlint.ts';

const root = path.resolve(import.meta.dirname, '../../fixtures/lint');

function lint(file: string, persona?: Persona) {
  const text = readFileSync(file, 'utf8');
  const kind: ActionsFileKind | undefined = file.endsWith('.dependabot.yml') ? 'dependabot' : actionsFileKind(parse(text));
  if (!kind) throw new Error(`${file} is neither a workflow, an action nor a dependabot.yml`);
  const header = /^# lint-persona: (\w+)/.exec(text)?.[1] as Persona | undefined;
  return { text, kind, findings: lintActionsYaml(path.relative(root, file), text, kind, { persona: persona ?? header ?? 'regular' }) };
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
    it(`${f} passes every rule (ours at regular, ${rule} even at auditor, and actionlint)`, async () => {
      const { findings, text, kind } = lint(path.join(dir, f), 'regular');
      expect(findings).toEqual([]);
      expect(lint(path.join(dir, f), 'auditor').findings.filter((x) => x.ruleId === rule)).toEqual([]);
      if (kind === 'workflow') expect(await runActionlint(f, text)).toEqual([]);
    });
  }
});

describe('locations', () => {
  it('points template-injection at the context inside a block script', () => {
    const { findings } = lint(path.join(root, 'template-injection/fail-composite.yml'));
    const hit = findings.find((f) => f.ruleId === 'template-injection')!;
    expect([hit.line, hit.column]).toEqual([13, 19]);
    expect(hit.message).toContain('inputs.target');
  });

  it('names each unpinned use on its own line; a SHA without a version comment is pedantic ref-version-mismatch', () => {
    const { findings } = lint(path.join(root, 'unpinned-uses/fail.yml'), 'pedantic');
    expect(findings.filter((f) => f.ruleId === 'unpinned-uses').map((h) => h.line)).toEqual([9]);
    expect(findings.filter((f) => f.ruleId === 'unpinned-uses')[0]!.message).toContain('movable ref');
    expect(findings.filter((f) => f.ruleId === 'ref-version-mismatch').map((h) => [h.line, h.severity])).toEqual([[12, 'note']]);
    expect(lint(path.join(root, 'unpinned-uses/fail.yml'), 'regular').findings.filter((f) => f.ruleId === 'ref-version-mismatch')).toEqual([]);
  });

  it('accepts a SHA pin whose comment names the version in any usual form', () => {
    for (const comment of ['# v4.2.2', '# tag=v4.2.2', '# actions/checkout@v4', '# 4.2.2', '# create-github-app-token/v0.2.2', '# v1.2.3rc1']) {
      const wf = `name: x\non: push\npermissions: {}\njobs:\n  a:\n    name: a\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 ${comment}\n        with:\n          persist-credentials: false\n`;
      expect(lintActionsYaml('x.yml', wf, 'workflow', { persona: 'pedantic' }).filter((f) => f.ruleId === 'unpinned-uses' || f.ruleId === 'ref-version-mismatch'), comment).toEqual([]);
    }
  });

  it('trims a block-scalar `uses: |` before judging the pin', () => {
    const wf = 'name: x\non: push\npermissions: {}\njobs:\n  a:\n    name: a\n    runs-on: ubuntu-latest\n    steps:\n      - uses: |\n          actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683\n        with:\n          persist-credentials: false\n';
    expect(lintActionsYaml('x.yml', wf, 'workflow').filter((f) => f.ruleId === 'unpinned-uses')).toEqual([]);
  });

  it('flags write-all, read-all and jobs on default permissions separately', () => {
    const { findings } = lint(path.join(root, 'excessive-permissions/fail.yml'));
    expect(findings.filter((f) => f.ruleId === 'excessive-permissions').map((h) => [h.line, h.severity])).toEqual([[7, 'error']]);
    const wf = 'name: x\non: push\njobs:\n  a:\n    name: a\n    runs-on: ubuntu-latest\n    permissions: read-all\n    steps:\n      - run: echo\n  b:\n    name: b\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n';
    expect(lintActionsYaml('x.yml', wf, 'workflow').filter((f) => f.ruleId === 'excessive-permissions').map((h) => [h.line, h.severity])).toEqual([
      [7, 'warning'],
      [10, 'warning'],
    ]);
  });

  it('honours disable', () => {
    const text = readFileSync(path.join(root, 'missing-timeout/fail.yml'), 'utf8');
    expect(lintActionsYaml('x.yml', text, 'workflow', { disable: ['missing-timeout'], persona: 'pedantic' }).filter((f) => f.ruleId === 'missing-timeout')).toEqual([]);
  });

  it('accepts our own actions only at an immutable release tag', () => {
    const wf = (ref: string) => `name: x\non: push\npermissions: {}\njobs:\n  a:\n    name: a\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - uses: dataops-actions/dataops-actions/actions/lint@${ref}\n`;
    expect(lintActionsYaml('x.yml', wf('v0.1.0'), 'workflow')).toEqual([]);
    expect(lintActionsYaml('x.yml', wf('v0'), 'workflow').map((f) => f.ruleId)).toEqual(['unpinned-uses']);
    expect(lintActionsYaml('x.yml', wf('main'), 'workflow').map((f) => f.ruleId)).toEqual(['unpinned-uses']);
  });

  it('does not ask for an environment on reusable-workflow calls, nor concurrency on environments that only scope secrets', () => {
    const wf = 'name: x\non: push\npermissions: {}\nconcurrency:\n  group: x\n  cancel-in-progress: true\njobs:\n  call:\n    name: call\n    uses: org/repo/.github/workflows/ci.yml@11bd71901bbe5b1630ceea73d27597364c9af683 # v1.0.0\n    secrets:\n      token: ${{ secrets.TOKEN }}\n  test:\n    name: test\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    environment: ci-secrets\n    steps:\n      - run: ./test.sh\n        env:\n          KEY: ${{ secrets.KEY }}\n';
    expect(lintActionsYaml('x.yml', wf, 'workflow')).toEqual([]);
    const deploy = wf.replace('environment: ci-secrets', 'environment:\n      name: ci\n      url: https://example.com').replace('concurrency:\n  group: x\n  cancel-in-progress: true\n', '');
    expect(lintActionsYaml('x.yml', deploy, 'workflow').map((f) => f.ruleId)).toContain('deploy-concurrency');
  });
});
