/**
 * The SARIF `dataops lint` writes validates against the SARIF 2.1.0 JSON Schema
 * (tests/fixtures/sarif, see README.md there): every rule family, a skipped linter, a prefix.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Ajv04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { lintPath, toSarif } from '../../../src/core/lint/index.ts';

const schema = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../fixtures/sarif/sarif-2.1.0-rtm.5.json'), 'utf8')) as Record<string, unknown>;
// both are CommonJS with `exports.default`: under Node's ESM interop the class/plugin sits on `.default`
type Validator = { (data: unknown): boolean; errors?: unknown[] | null };
type AjvLike = { compile(schema: unknown): Validator };
const Ajv04 = ((Ajv04Module as unknown as { default?: unknown }).default ?? Ajv04Module) as new (opts: Record<string, unknown>) => AjvLike;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: AjvLike) => AjvLike;
/** The schema's language-tag pattern is not valid under the `u` flag, hence unicodeRegExp: false. */
const OPTIONS = { allErrors: true, strict: false, unicodeRegExp: false };
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'dataops-sarif-'));
  await mkdir(path.join(tmp, '.github/workflows'), { recursive: true });
  await writeFile(path.join(tmp, '.github/workflows/ci.yml'), 'on: issues\njobs:\n  a:\n    needs: [nope]\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: echo "${{ github.event.issue.title }}" ${{ github.nope }}\n');
  await writeFile(path.join(tmp, '.github/dependabot.yml'), 'version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n    schedule:\n      interval: weekly\n');
  await writeFile(path.join(tmp, 'dataops.yml'), 'version: 1\nname: Bad Name\n');
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('SARIF output', () => {
  it('is valid SARIF 2.1.0 (official JSON Schema) with results of our rules, actionlint and schema checks', async () => {
    const report = await lintPath(tmp, { external: false, persona: 'pedantic' });
    const ids = new Set(report.findings.map((f) => f.ruleId.split('/')[0]));
    expect([...ids], [...ids].join(', ')).toEqual(expect.arrayContaining(['template-injection', 'unpinned-uses', 'dependabot-cooldown', 'actionlint', 'schema']));
    const ajv = new Ajv04(OPTIONS);
    addFormats(ajv);
    const validate = ajv.compile(schema);
    for (const prefix of ['', 'sub/dir']) {
      const log = toSarif(report, prefix);
      const ok = validate(JSON.parse(JSON.stringify(log)));
      expect(validate.errors ?? [], `prefix "${prefix}"`).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('rejects what is not SARIF (the validator is live)', () => {
    const ajv = new Ajv04(OPTIONS);
    addFormats(ajv);
    const validate = ajv.compile(schema);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: {} }, results: [] }] })).toBe(false);
    expect(validate({ version: '2.0.0', runs: [] })).toBe(false);
  });
});
