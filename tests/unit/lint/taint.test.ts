/**
 * template-injection as taint analysis: attacker-controllable sources reach code sinks directly
 * or through env:, step outputs and job outputs (error); values of unknown provenance are
 * warnings; fixed values and the mere use of an expression are pedantic only.
 */
import { describe, expect, it } from 'vitest';
import { lintActionsYaml } from '../../../src/core/lint/workflow.ts';
import type { Persona } from '../../../src/core/lint/rules.ts';

function injections(body: string, persona: Persona = 'regular', on = 'issues') {
  const wf = `name: t\non: ${on}\npermissions: {}\njobs:\n${body}`;
  return lintActionsYaml('t.yml', wf, 'workflow', { persona })
    .filter((f) => f.ruleId === 'template-injection')
    .map((f) => ({ line: f.line, severity: f.severity, message: f.message }));
}

const job = (steps: string, extra = '') => `  a:\n    name: a\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n${extra}    steps:\n${steps}`;

describe('template-injection taint analysis', () => {
  it('reports an attacker-controlled event field pasted into run: as an error, naming the source', () => {
    const [f] = injections(job('      - run: echo "${{ github.event.issue.title }}"\n'));
    expect(f).toMatchObject({ line: 10, severity: 'error' });
    expect(f!.message).toContain('github.event.issue.title');
  });

  it('sees multi-line expressions', () => {
    const found = injections(job('      - run: |\n          echo ${{\n            github.event.comment.body\n          }}\n'));
    expect(found.map((f) => [f.line, f.severity])).toEqual([[12, 'error']]);
  });

  it('follows env: at step, job and workflow level', () => {
    expect(injections(job('      - run: echo "${{ env.T }}"\n        env:\n          T: ${{ github.event.issue.body }}\n'))[0]).toMatchObject({ severity: 'error', message: expect.stringContaining('github.event.issue.body via env.T') });
    expect(injections(job('      - run: echo "${{ env.T }}"\n', '    env:\n      T: ${{ github.head_ref }}\n'))[0]).toMatchObject({ severity: 'error', message: expect.stringContaining('github.head_ref via env.T') });
  });

  it('follows a run: step output written to $GITHUB_OUTPUT, directly or through a variable', () => {
    const direct = job('      - id: s\n        run: echo "title=${{ github.event.issue.title }}" >> "$GITHUB_OUTPUT"\n      - run: echo "${{ steps.s.outputs.title }}"\n');
    const found = injections(direct).filter((f) => f.line === 12);
    expect(found[0]).toMatchObject({ severity: 'error', message: expect.stringContaining('via steps.s.outputs.title') });
    const viaVar = job('      - id: s\n        env:\n          T: ${{ github.event.issue.title }}\n        run: echo "title=$T" >> "$GITHUB_OUTPUT"\n      - run: echo "${{ steps.s.outputs.title }}"\n');
    expect(injections(viaVar).find((f) => f.line === 14)).toMatchObject({ severity: 'error', message: expect.stringContaining('via $T') });
  });

  it('follows needs.<job>.outputs to the step that produced them', () => {
    const wf = `  a:\n    name: a\n    runs-on: ubuntu-latest\n    outputs:\n      title: \${{ steps.s.outputs.title }}\n    steps:\n      - id: s\n        run: echo "title=\${{ github.event.pull_request.title }}" >> "$GITHUB_OUTPUT"\n  b:\n    name: b\n    needs: [a]\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "\${{ needs.a.outputs.title }}"\n`;
    const found = injections(wf, 'regular', 'pull_request');
    expect(found.find((f) => f.line === 18)).toMatchObject({ severity: 'error', message: expect.stringContaining('needs.a.outputs.title') });
  });

  it('checks the code inputs of known code-executing actions, not other inputs', () => {
    const steps =
      '      - uses: actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea # v7.0.1\n        with:\n          script: console.log("${{ github.event.issue.title }}")\n' +
      '      - uses: azure/cli@089eac9d8cc39f5d003e94f8b65efc51076c9cbd # v2.1.0\n        with:\n          inlineScript: echo "${{ github.event.issue.body }}"\n' +
      '      - uses: peter-evans/create-or-update-comment@e8674b075228eee787fea43ef493e45ece1004c9 # v5.0.0\n        with:\n          body: ${{ github.event.issue.body }}\n';
    expect(injections(job(steps)).map((f) => [f.line, f.severity])).toEqual([
      [12, 'error'],
      [15, 'error'],
    ]);
  });

  it('warns on values of unknown provenance, and typed inputs are fixed', () => {
    const wf = 'on:\n  workflow_dispatch:\n    inputs:\n      name:\n        type: string\n      dry:\n        type: boolean\n';
    const text = `name: t\n${wf}permissions: {}\njobs:\n${job('      - run: echo "${{ inputs.name }}" "${{ inputs.dry }}" "${{ github.ref_name }}"\n')}`;
    const found = lintActionsYaml('t.yml', text, 'workflow').filter((f) => f.ruleId === 'template-injection');
    expect(found.map((f) => [f.severity, /`(\S+)`/.exec(f.message)![1]])).toEqual([
      ['warning', 'inputs.name'],
      ['warning', 'github.ref_name'],
    ]);
  });

  it('leaves fixed values and static env to the pedantic persona', () => {
    const steps = '      - run: echo "${{ github.sha }} ${{ github.event.issue.number }} ${{ env.STATIC }} ${{ secrets.TOKEN }}"\n        env:\n          STATIC: hello\n';
    expect(injections(job(steps))).toEqual([]);
    const pedantic = injections(job(steps), 'pedantic');
    expect(pedantic.length).toBeGreaterThan(0);
    expect(pedantic.every((f) => f.severity === 'note')).toBe(true);
  });

  it('does not report expressions outside code sinks (env:, with: of ordinary actions)', () => {
    expect(injections(job('      - run: echo "$T"\n        env:\n          T: ${{ github.event.issue.title }}\n'))).toEqual([]);
  });
});
