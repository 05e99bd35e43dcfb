/**
 * SARIF 2.1.0 shape for code scanning, schema validation locations, and the external-linter
 * contract: an absent linter is reported as skipped (never as run), a present one maps its
 * findings back to the YAML line of the `run:` script.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failsAt, lintPath, renderSummary, renderText, toSarif } from '../../../src/core/lint/index.ts';
import { extractRunScripts } from '../../../src/core/lint/external.ts';
import { lintAgainstSchema } from '../../../src/core/lint/schema.ts';
import { ACTIONLINT_IGNORES } from '../../../src/core/lint/actionlint-ignore.ts';
import { tool } from '../../helpers/tools.ts';

let tmp: string;
const hasShellcheck = await tool('shellcheck', 'apt-get install shellcheck');
const WORKFLOW = `name: t
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: greet
        run: |
          echo "start"
          echo \${{ github.event.head_commit.message }}
          echo $UNQUOTED
`;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'dataops-lint-out-'));
  await mkdir(path.join(tmp, '.github/workflows'), { recursive: true });
  await writeFile(path.join(tmp, '.github/workflows/t.yml'), WORKFLOW);
  await writeFile(path.join(tmp, 'dataops.yml'), 'version: 1\nname: Bad Name\nquality:\n  suites: [quality/s.yml]\n  fail_on: sometimes\n');
  await mkdir(path.join(tmp, 'quality'));
  await writeFile(path.join(tmp, 'quality/s.yml'), 'version: 1\nsuite: s\nchecks:\n  - type: not_null\n    dataset: d\n    colums: [a]\n');
  await mkdir(path.join(tmp, 'tests/fixtures'), { recursive: true });
  await writeFile(path.join(tmp, 'tests/fixtures/bad.yml'), 'on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ github.ref }}\n');
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('lintPath on a small repository', () => {
  it('finds workflow, schema and suite problems with file:line:column and skips fixtures', async () => {
    const report = await lintPath(tmp, { external: false });
    const ids = report.findings.map((f) => `${f.file}:${f.line} ${f.ruleId}`);
    expect(ids).toEqual(
      expect.arrayContaining([
        '.github/workflows/t.yml:4 excessive-permissions',
        '.github/workflows/t.yml:7 artipacked',
        '.github/workflows/t.yml:7 unpinned-uses',
        '.github/workflows/t.yml:11 template-injection',
        'dataops.yml:2 schema',
        'dataops.yml:5 schema',
        'quality/s.yml:4 schema',
      ]),
    );
    expect(report.findings.some((f) => f.file.startsWith('tests/fixtures'))).toBe(false);
    expect(report.files.suites).toEqual(['quality/s.yml']);
    expect(failsAt(report.findings, 'error')).toBe(true);
    expect(failsAt(report.findings, 'never')).toBe(false);
    expect(renderText(report)).toMatch(/^\.github\/workflows\/t\.yml:11:\d+: error \[template-injection\]/m);
    expect(renderSummary(report, true)).toContain('| error | [template-injection]');
  });

  it('writes SARIF 2.1.0 that code scanning accepts: rules, results, locations, fingerprints', async () => {
    const report = await lintPath(tmp, { external: false });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking SARIF JSON
    const sarif = toSarif(report, 'sub/dir') as any;
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    const run = sarif.runs[0];
    expect(run.tool.driver.name).toBe('dataops-lint');
    const ruleIds = run.tool.driver.rules.map((r: { id: string; partialFingerprints: Record<string, string> }) => r.id);
    expect(new Set(ruleIds).size).toBe(ruleIds.length);
    expect(run.results).toHaveLength(report.findings.length);
    for (const r of run.results) {
      expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
      expect(['error', 'warning', 'note']).toContain(r.level);
      const loc = r.locations[0].physicalLocation;
      expect(loc.artifactLocation.uri).toMatch(/^sub\/dir\//);
      expect(loc.artifactLocation.uriBaseId).toBe('%SRCROOT%');
      expect(loc.region.startLine).toBeGreaterThanOrEqual(1);
      expect(loc.region.startColumn).toBeGreaterThanOrEqual(1);
      expect(r.partialFingerprints['dataopsLintHash/v1']).toMatch(/^[0-9a-f]{32}:\d+$/);
      expect(r.message.text.length).toBeGreaterThan(10);
    }
    const injection = run.tool.driver.rules.find((r: { id: string; partialFingerprints: Record<string, string> }) => r.id === 'template-injection');
    expect(injection.properties.tags).toContain('security');
    expect(injection.properties['security-severity']).toBe('8.0');
    expect(injection.helpUri).toContain('docs/lint.md#template-injection');
    const fps = run.results.map((r: { id: string; partialFingerprints: Record<string, string> }) => r.partialFingerprints['dataopsLintHash/v1']);
    expect(new Set(fps).size).toBe(fps.length);
  });

  it('honours disable for rules and families', async () => {
    const report = await lintPath(tmp, { external: false, disable: ['schema', 'actionlint', 'missing-timeout'] });
    expect(report.findings.filter((f) => f.ruleId === 'schema' || f.ruleId.startsWith('actionlint') || f.ruleId === 'missing-timeout')).toEqual([]);
    expect(report.ran).not.toContain('actionlint');
  });
});

describe('schema validation (ajv)', () => {
  it('names the field and its line', () => {
    const findings = lintAgainstSchema('dataops.yml', 'version: 1\nname: ok\nquality:\n  suites: [a.yml]\n  sampels: 3\n', 'dataops-project.schema.json');
    expect(findings).toEqual([expect.objectContaining({ ruleId: 'schema', line: 5, message: expect.stringContaining('quality.sampels: unknown field "sampels"') })]);
  });
  it('reports YAML syntax errors as yaml-syntax', () => {
    const [f] = lintAgainstSchema('s.yml', 'version: 1\nsuite: [\n', 'quality-suite.schema.json');
    expect(f!.ruleId).toBe('yaml-syntax');
  });
});

describe('external linters', () => {
  it('extracts run: scripts with their YAML position, expressions masked', () => {
    const [s] = extractRunScripts('t.yml', WORKFLOW);
    expect(s).toMatchObject({ line: 10, column: 10, shell: 'bash' });
    expect(s!.script).toContain('echo XXXX');
    expect(s!.script).not.toContain('${{');
  });

  it('reports a missing shellcheck as skipped with how to install it, never as run', async () => {
    const saved = process.env.PATH;
    process.env.PATH = path.join(tmp, 'empty-bin');
    try {
      const report = await lintPath(tmp);
      expect(report.skipped).toEqual([expect.objectContaining({ name: 'shellcheck', files: 1, install: expect.stringContaining('shellcheck') })]);
      expect(report.ran).not.toContain('shellcheck');
      expect(renderText(report)).toMatch(/SKIPPED shellcheck/);
      expect(renderSummary(report, false)).toContain('Skipped linters (not run — not passed)');
    } finally {
      process.env.PATH = saved;
    }
  });

  it.runIf(hasShellcheck)('maps shellcheck findings back to the workflow line', async () => {
    const report = await lintPath(tmp);
    expect(report.ran).toContain('shellcheck');
    const sc = report.findings.filter((f) => f.ruleId === 'shellcheck/SC2086');
    expect(sc.map((f) => [f.file, f.line])).toContainEqual(['.github/workflows/t.yml', 12]);
  });
});

describe('actionlint ignore list', () => {
  it('gives a reason for every entry', () => {
    for (const e of ACTIONLINT_IGNORES) expect(e.reason.length).toBeGreaterThan(40);
  });
});
