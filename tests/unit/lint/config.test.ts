/**
 * Configuration like the tools people know: the `lint:` section of dataops.yml (persona, rules
 * off or re-levelled, per-rule ignores, ignored paths), inline `# dataops: ignore[rule] reason`
 * and zizmor's `# zizmor: ignore[audit]`, old rule ids as aliases, `.github/actionlint.yaml`,
 * a duplicate key that no longer hides every other finding, and actionlint output parsing that
 * never drops a message.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintPath } from '../../../src/core/lint/index.ts';
import { normaliseResults, parseBinaryOutput, runActionlint, toFindings } from '../../../src/core/lint/actionlint.ts';
import { lintActionsYaml } from '../../../src/core/lint/workflow.ts';
import { isConfigError } from '../../../src/core/errors.ts';

let tmp: string;
const WF = `name: ci
on: issues
permissions: {}
jobs:
  a:
    name: a
    runs-on: [self-hosted, gpu-box]
    timeout-minutes: 5
    steps:
      - uses: actions/checkout@v4
      - run: echo "\${{ vars.KNOWN }} \${{ vars.UNKNOWN }}"
`;

async function repo(name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(tmp, name);
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
  return dir;
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'dataops-lint-config-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('lint: section of dataops.yml', () => {
  it('applies persona, rules off (by old alias too), severity, per-rule ignores and ignored paths', async () => {
    const base = { '.github/workflows/ci.yml': WF, 'generated/wf.yml': WF };
    const plain = await lintPath(await repo('plain', { ...base, 'dataops.yml': 'version: 1\nname: demo\n' }), { external: false });
    const ids = (r: typeof plain) => r.findings.map((f) => `${f.file}:${f.ruleId}:${f.severity}`);
    expect(ids(plain)).toEqual(expect.arrayContaining(['.github/workflows/ci.yml:unpinned-uses:error', '.github/workflows/ci.yml:artipacked:warning', 'generated/wf.yml:unpinned-uses:error']));
    expect(ids(plain).some((i) => i.includes('missing-timeout'))).toBe(false);

    const configured = await lintPath(
      await repo('configured', {
        ...base,
        'dataops.yml': 'version: 1\nname: demo\nlint:\n  persona: pedantic\n  ignore: ["generated/**"]\n  rules:\n    persisted-credentials: off\n    unpinned-uses: warning\n    concurrency-limits:\n      ignore: [".github/workflows/ci.yml:2"]\n',
      }),
      { external: false },
    );
    expect(ids(configured).some((i) => i.startsWith('generated/'))).toBe(false);
    expect(ids(configured)).toContain('.github/workflows/ci.yml:unpinned-uses:warning');
    expect(ids(configured).some((i) => i.includes('artipacked'))).toBe(false);
    expect(ids(configured).some((i) => i.includes('concurrency-limits'))).toBe(false);
    // the pedantic persona adds the blanket note on every expression in a script
    const notes = (r: typeof plain) => r.findings.filter((f) => f.file === '.github/workflows/ci.yml' && f.ruleId === 'template-injection').length;
    expect(notes(configured)).toBeGreaterThan(notes(plain));
  });

  it('refuses an invalid lint section with a ConfigError naming the field', async () => {
    const dir = await repo('invalid', { 'dataops.yml': 'version: 1\nname: demo\nlint:\n  persona: paranoid\n' });
    const err = await lintPath(dir, { external: false }).catch((e: unknown) => e);
    expect(isConfigError(err)).toBe(true);
    expect(String((err as Error).message)).toContain('lint.persona');
  });
});

describe('ignore comments', () => {
  const wf = (comment: string) => `name: x\non: issues\npermissions: {}\njobs:\n  a:\n    name: a\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - run: echo "\${{ github.event.issue.title }}" ${comment}\n`;
  const ti = (text: string) => lintActionsYaml('x.yml', text, 'workflow').filter((f) => f.ruleId === 'template-injection');

  it('honours `# dataops: ignore[rule]` with a reason, and not without one', () => {
    expect(ti(wf('# dataops: ignore[template-injection] title is validated by the issue form'))).toEqual([]);
    expect(ti(wf('# dataops: ignore[template-injection]'))).toHaveLength(1);
  });

  it("honours zizmor's `# zizmor: ignore[audit]` and old ids as aliases", () => {
    expect(ti(wf('# zizmor: ignore[template-injection]'))).toEqual([]);
    const checkout = 'name: x\non: push\npermissions: {}\njobs:\n  a:\n    name: a\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2 dataops: ignore[persisted-credentials] the job pushes a tag\n';
    expect(lintActionsYaml('x.yml', checkout, 'workflow').filter((f) => f.ruleId === 'artipacked')).toEqual([]);
  });
});

describe('.github/actionlint.yaml and actionlint parsing', () => {
  it('applies self-hosted runner labels, config variables and path ignores', async () => {
    const without = await lintPath(await repo('al-none', { '.github/workflows/ci.yml': WF }), { external: false });
    expect(without.findings.filter((f) => f.ruleId === 'actionlint/runner-label').map((f) => f.message)).toEqual([expect.stringContaining('"gpu-box" is unknown')]);
    const dir = await repo('al-config', {
      '.github/workflows/ci.yml': WF,
      '.github/actionlint.yaml': 'self-hosted-runner:\n  labels: ["gpu-*"]\nconfig-variables: [KNOWN]\npaths:\n  .github/workflows/**/*.yml:\n    ignore: ["^nothing-matches$"]\n',
    });
    const withConfig = await lintPath(dir, { external: false });
    const al = withConfig.findings.filter((f) => f.ruleId.startsWith('actionlint/'));
    expect(al.map((f) => f.message)).toEqual([expect.stringContaining('undefined configuration variable "UNKNOWN"')]);
    const ignoring = await repo('al-ignore', {
      '.github/workflows/ci.yml': WF,
      '.github/actionlint.yaml': 'paths:\n  .github/workflows/ci.yml:\n    ignore: ["is unknown"]\n',
    });
    expect((await lintPath(ignoring, { external: false })).findings.filter((f) => f.ruleId.startsWith('actionlint/'))).toEqual([]);
  });

  it('keeps messages with quotes and backslashes (they once dropped every finding of the file)', async () => {
    const text = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "a\\\\b"\n        if: ${{ "x\\" }}\n      - run: echo ${{ github.nope( }}\n';
    const findings = await runActionlint('w.yml', text);
    expect(findings.length).toBeGreaterThanOrEqual(2);
    expect(findings.some((f) => f.ruleId === 'actionlint/crash')).toBe(false);
    expect(findings.some((f) => /string literals\? only single quotes/.test(f.message))).toBe(true);
  });

  it('never drops a result, whatever shape actionlint returns', () => {
    expect(normaliseResults([{ message: 'say "hi" \\ there', line: 3, column: 4, kind: 'expression' }])).toEqual([{ message: 'say "hi" \\ there', line: 3, column: 4, kind: 'expression' }]);
    expect(normaliseResults('[{"message":"m","line":"2","column":1,"kind":"k"}]')).toEqual([{ message: 'm', line: 2, column: 1, kind: 'k' }]);
    expect(normaliseResults('not json at all "quoted" \\')).toEqual([{ message: 'not json at all "quoted" \\', line: 1, column: 1, kind: 'unparsed' }]);
    expect(normaliseResults({ message: 'single object' })).toEqual([{ message: 'single object', line: 0, column: 0, kind: 'unknown' }]);
    expect(normaliseResults(['bare string'])).toEqual([{ message: 'bare string', line: 1, column: 1, kind: 'unparsed' }]);
    expect(toFindings('w.yml', normaliseResults('garbage')).map((f) => [f.ruleId, f.severity])).toEqual([['actionlint/unparsed', 'warning']]);
    expect(parseBinaryOutput('[{"message":"x \\"y\\"","filepath":".github/workflows/a.yml","line":1,"column":2,"kind":"syntax-check","snippet":"s","end_column":3}]')).toEqual([{ message: 'x "y"', filepath: '.github/workflows/a.yml', line: 1, column: 2, kind: 'syntax-check' }]);
    expect(parseBinaryOutput('panic: boom')).toEqual([{ message: 'panic: boom', line: 1, column: 1, kind: 'unparsed', filepath: '' }]);
  });

  it('reports a duplicate key without hiding the other findings of the file', async () => {
    const dir = await repo('dup', { '.github/workflows/ci.yml': 'name: x\non: issues\npermissions: {}\njobs:\n  a:\n    name: a\n    runs-on: ubuntu-latest\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.issue.title }}"\n' });
    const report = await lintPath(dir, { external: false });
    expect(report.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['yaml-syntax', 'template-injection']));
  });
});
