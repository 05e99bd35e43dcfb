/**
 * Catalogue of the rules `dataops lint` applies: our offline workflow/action rules (in the spirit
 * of zizmor), schema validation, and the families produced by actionlint and external linters.
 * Each entry documents the rule for the SARIF `tool.driver.rules` array and docs/lint.md.
 */
import type { LintSeverity } from './types.ts';

/** Documentation of one rule. */
export interface RuleMeta {
  id: string;
  severity: LintSeverity;
  /** One line: what the rule catches. */
  short: string;
  /** How to fix a finding. */
  fix: string;
  /** Tags for code scanning (`security`, `reliability`, …). */
  tags: string[];
}

/** Where rule documentation lives; anchors are the rule ids. */
export const DOCS_URL = 'https://github.com/dataops-actions/dataops-actions/blob/main/docs/lint.md';

/** URL of a rule's documentation. */
export function helpUrl(ruleId: string): string {
  const anchor = ruleId.includes('/') ? ruleId.split('/')[0] : ruleId;
  return `${DOCS_URL}#${anchor}`;
}

/** Our own rules, by id. */
export const RULES: Record<string, RuleMeta> = {
  'template-injection': {
    id: 'template-injection',
    severity: 'error',
    short: '`${{ }}` expression expanded inside a `run:` script or an actions/github-script `script:`',
    fix: 'Pass the value through `env:` (e.g. `env: { TITLE: ${{ github.event.issue.title }} }`) and use "$TITLE" in the script.',
    tags: ['security'],
  },
  'unpinned-uses': {
    id: 'unpinned-uses',
    severity: 'error',
    short: '`uses:` not pinned to a full 40-hex commit SHA with a `# vX.Y.Z` comment',
    fix: 'Pin to the commit SHA of a release and keep the version in a comment: `uses: owner/repo@<40-hex-sha> # v1.2.3`.',
    tags: ['security', 'supply-chain'],
  },
  'unpinned-image': {
    id: 'unpinned-image',
    severity: 'error',
    short: 'container, service or `docker://` image not pinned by digest',
    fix: 'Reference the image by digest: `image: name:tag@sha256:<64-hex>`.',
    tags: ['security', 'supply-chain'],
  },
  'excessive-permissions': {
    id: 'excessive-permissions',
    severity: 'error',
    short: 'missing top-level `permissions:`, `write-all`/`read-all`, or a write scope without a `# needed: …` justification',
    fix: 'Set `permissions: {}` at the top and grant each job only what it uses; justify each write scope with a comment `# needed: <why>`.',
    tags: ['security'],
  },
  'secrets-outside-environment': {
    id: 'secrets-outside-environment',
    severity: 'error',
    short: 'a job reads secrets (other than GITHUB_TOKEN) without an `environment:`',
    fix: 'Move the secret into a GitHub environment with protection rules and add `environment: <name>` to the job.',
    tags: ['security'],
  },
  'secrets-inherit': {
    id: 'secrets-inherit',
    severity: 'error',
    short: '`secrets: inherit` hands every secret of the caller to the called workflow',
    fix: 'Pass only the secrets the called workflow declares, one by one, or none (environment secrets reach jobs that declare the environment).',
    tags: ['security'],
  },
  'dangerous-triggers': {
    id: 'dangerous-triggers',
    severity: 'error',
    short: '`pull_request_target`, or `workflow_run` without a guard on every job',
    fix: 'Use `pull_request` instead of `pull_request_target`; for `workflow_run` add to every job an `if:` on `github.event.workflow_run` (conclusion and head repository).',
    tags: ['security'],
  },
  'persisted-credentials': {
    id: 'persisted-credentials',
    severity: 'warning',
    short: '`actions/checkout` leaves the token in `.git/config` (no `persist-credentials: false`)',
    fix: 'Add `with: { persist-credentials: false }` to the checkout step.',
    tags: ['security'],
  },
  'missing-timeout': {
    id: 'missing-timeout',
    severity: 'warning',
    short: 'job without `timeout-minutes` (the default is 360 minutes)',
    fix: 'Add `timeout-minutes: <n>` to the job, a little above its usual duration.',
    tags: ['reliability'],
  },
  'deploy-concurrency': {
    id: 'deploy-concurrency',
    severity: 'error',
    short: 'deployment job (with `environment:`) without `concurrency`, or with `cancel-in-progress: true`',
    fix: 'Add `concurrency: { group: deploy-<environment>, cancel-in-progress: false }` so deploys to one environment queue instead of overlapping or being cancelled half-way.',
    tags: ['reliability'],
  },
  schema: {
    id: 'schema',
    severity: 'error',
    short: 'dataops.yml or a quality suite does not match its JSON Schema',
    fix: 'Fix the field named in the message; schemas/ holds the JSON Schemas (editors can use them for completion).',
    tags: ['correctness'],
  },
  'yaml-syntax': {
    id: 'yaml-syntax',
    severity: 'error',
    short: 'file is not valid YAML',
    fix: 'Fix the YAML syntax at that line (indentation, quotes, a missing colon).',
    tags: ['correctness'],
  },
  actionlint: {
    id: 'actionlint',
    severity: 'error',
    short: 'actionlint: workflow syntax, expressions, contexts, job needs, action inputs',
    fix: 'See the message; actionlint documents each check at https://github.com/rhysd/actionlint/blob/main/docs/checks.md.',
    tags: ['correctness'],
  },
  shellcheck: { id: 'shellcheck', severity: 'warning', short: 'shellcheck on `run:` scripts', fix: 'See https://www.shellcheck.net/wiki/ for the code.', tags: ['correctness'] },
  hadolint: { id: 'hadolint', severity: 'warning', short: 'hadolint on Dockerfiles', fix: 'See https://github.com/hadolint/hadolint#rules for the code.', tags: ['correctness'] },
  sqlfluff: { id: 'sqlfluff', severity: 'warning', short: 'sqlfluff on SQL files', fix: 'See https://docs.sqlfluff.com/en/stable/reference/rules.html for the code.', tags: ['style'] },
  ruff: { id: 'ruff', severity: 'warning', short: 'ruff on Python files', fix: 'See https://docs.astral.sh/ruff/rules/ for the code.', tags: ['correctness'] },
};

/** Ids of our own offline workflow/action rules (each has fixtures under tests/fixtures/lint/<id>/). */
export const WORKFLOW_RULE_IDS = [
  'template-injection',
  'unpinned-uses',
  'unpinned-image',
  'excessive-permissions',
  'secrets-outside-environment',
  'secrets-inherit',
  'dangerous-triggers',
  'persisted-credentials',
  'missing-timeout',
  'deploy-concurrency',
] as const;
export type WorkflowRuleId = (typeof WORKFLOW_RULE_IDS)[number];

/** Metadata of any rule id, falling back to its family (`actionlint/expression` → `actionlint`). */
export function ruleMeta(ruleId: string): RuleMeta {
  const direct = RULES[ruleId];
  if (direct) return direct;
  const family = RULES[ruleId.split('/')[0] ?? ''];
  return family ? { ...family, id: ruleId } : { id: ruleId, severity: 'warning', short: ruleId, fix: '', tags: [] };
}
