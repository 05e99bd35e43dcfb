/**
 * Catalogue of the rules `dataops lint` applies: our offline workflow/action/Dependabot rules
 * (each named after the zizmor audit it corresponds to, https://docs.zizmor.sh/audits/), schema
 * validation, and the families produced by actionlint and external linters. Each entry documents
 * the rule for the SARIF `tool.driver.rules` array and docs/lint.md (which has the table rule ↔
 * zizmor audit ↔ actionlint check ↔ persona).
 */
import type { LintSeverity } from './types.ts';

/**
 * How much a run shows, as zizmor's personas: `regular` (findings worth acting on), `pedantic`
 * (also code smells and hardening advice), `auditor` (also findings that are usually deliberate).
 */
export type Persona = 'regular' | 'pedantic' | 'auditor';

/** Order of personas: a finding of persona P is shown by runs at P or above. */
export const PERSONA_RANK: Record<Persona, number> = { regular: 0, pedantic: 1, auditor: 2 };

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
  /** The zizmor audit this rule corresponds to (same id), if any. */
  zizmor?: string | undefined;
  /** The actionlint check that overlaps, if any. */
  actionlint?: string | undefined;
  /** Lowest persona at which the rule reports anything (some findings of a rule need a higher one). */
  persona?: Persona | undefined;
  /** Earlier ids of this rule, still accepted in configuration and ignore comments. */
  aliases?: string[] | undefined;
}

/** Where rule documentation lives; anchors are the rule ids. */
export const DOCS_URL = 'https://github.com/dataops-actions/dataops-actions/blob/main/docs/lint.md';

/** URL of a rule's documentation. */
export function helpUrl(ruleId: string): string {
  const anchor = ruleId.includes('/') ? ruleId.split('/')[0] : ruleId;
  return `${DOCS_URL}#${anchor}`;
}

type Def = Omit<RuleMeta, 'id' | 'tags'> & { tags?: string[] };
const sec = ['security'];

const DEFS: Record<string, Def> = {
  'template-injection': {
    severity: 'error',
    short: 'attacker-controllable data (`github.event` text fields, `github.head_ref`, and values carrying them through `env:`, step or job outputs) expanded by `${{ }}` into code: `run:`, actions/github-script `script:`, or a code input of a known action',
    fix: 'Pass the value through `env:` (e.g. `env: { TITLE: ${{ github.event.issue.title }} }`) and use "$TITLE" in the script.',
    zizmor: 'template-injection',
    actionlint: 'expression (untrusted inputs)',
  },
  'unpinned-uses': {
    severity: 'error',
    short: '`uses:` not pinned to a full 40-hex commit SHA (pedantic: a SHA without a comment naming its version)',
    fix: 'Pin to the commit SHA of a release and keep the version in a comment: `uses: owner/repo@<40-hex-sha> # v1.2.3`.',
    tags: ['security', 'supply-chain'],
    zizmor: 'unpinned-uses',
  },
  'unpinned-images': {
    severity: 'error',
    short: 'container, service or docker action image without a tag or at `latest` (pedantic: not pinned by `@sha256:` digest); matrix and expression values are expanded',
    fix: 'Reference the image by digest: `image: name:tag@sha256:<64-hex>`.',
    tags: ['security', 'supply-chain'],
    zizmor: 'unpinned-images',
    aliases: ['unpinned-image'],
  },
  'excessive-permissions': {
    severity: 'error',
    short: '`write-all`/`read-all`, write scopes granted at the workflow level to several jobs, or jobs running with the default token permissions',
    fix: 'Set `permissions: {}` at the top and grant each job only the scopes it uses.',
    zizmor: 'excessive-permissions',
    actionlint: 'permissions',
  },
  'undocumented-permissions': {
    severity: 'note',
    short: 'a permission scope (other than a lone `contents: read`) without a comment saying why it is needed',
    fix: 'Add a comment on the scope\'s line (or the comment lines above it): `contents: write # push the release tag`.',
    zizmor: 'undocumented-permissions',
    persona: 'pedantic',
  },
  'secrets-outside-env': {
    severity: 'warning',
    short: 'a job reads secrets (other than GITHUB_TOKEN) without an `environment:` (reusable-workflow calls, where `environment:` is not allowed, are exempt)',
    fix: 'Move the secret into a GitHub environment with protection rules and add `environment: <name>` to the job.',
    zizmor: 'secrets-outside-env',
    aliases: ['secrets-outside-environment'],
  },
  'secrets-inherit': {
    severity: 'warning',
    short: '`secrets: inherit` hands every secret of the caller to the called workflow',
    fix: 'Pass only the secrets the called workflow declares, one by one, or none (environment secrets reach jobs that declare the environment).',
    zizmor: 'secrets-inherit',
  },
  'dangerous-triggers': {
    severity: 'error',
    short: '`pull_request_target`, or `workflow_run`, which run privileged on events a fork can cause',
    fix: 'Use `pull_request` instead of `pull_request_target`; for `workflow_run` guard every job with an `if:` on `github.event.workflow_run` (conclusion and head repository) and never check out or run its head.',
    zizmor: 'dangerous-triggers',
  },
  artipacked: {
    severity: 'warning',
    short: '`actions/checkout` without `persist-credentials: false` leaves the token in `.git/config` (auditor: also an explicit `true`)',
    fix: 'Add `with: { persist-credentials: false }` to the checkout step.',
    zizmor: 'artipacked',
    aliases: ['persisted-credentials'],
  },
  'missing-timeout': {
    severity: 'note',
    short: 'job without `timeout-minutes` (the default is 360 minutes)',
    fix: 'Add `timeout-minutes: <n>` to the job, a little above its usual duration.',
    tags: ['reliability'],
    zizmor: 'missing-timeout',
    persona: 'pedantic',
  },
  'deploy-concurrency': {
    severity: 'error',
    short: 'deployment job (an `environment:` with a `url:`, or named like production/staging) without `concurrency`, or with `cancel-in-progress: true`',
    fix: 'Add `concurrency: { group: deploy-<environment>, cancel-in-progress: false }` so deploys to one environment queue instead of overlapping or being cancelled half-way.',
    tags: ['reliability'],
  },
  'cache-poisoning': {
    severity: 'error',
    short: 'a release/tag-triggered workflow, or a job that publishes, restores a cache (setup-* actions with caching on, actions/cache, rust-cache…) that a pull request could have written',
    fix: 'Turn caching off in release and publishing jobs (e.g. `cache: false`, `enable-cache: false`), or build them without restoring caches.',
    zizmor: 'cache-poisoning',
  },
  'github-env': {
    severity: 'error',
    short: 'a `run:` script writes to `$GITHUB_ENV` or `$GITHUB_PATH` in a workflow triggered by `pull_request_target`/`workflow_run`/`issue_comment` (or in an action)',
    fix: 'Do not set environment variables or PATH entries from data a fork controls; pass values through step outputs instead.',
    zizmor: 'github-env',
  },
  'bot-conditions': {
    severity: 'error',
    short: '`if:` trusts `github.actor`/`github.actor_id` to be a bot, which anyone can become by re-triggering a bot\'s run',
    fix: 'Check the event\'s own author instead, e.g. `github.event.pull_request.user.login == \'dependabot[bot]\'`.',
    zizmor: 'bot-conditions',
  },
  'unsound-contains': {
    severity: 'error',
    short: '`contains(\'<string literal>\', <context>)` matches substrings, so `main,develop` also accepts `mai`',
    fix: 'Use an array: `contains(fromJSON(\'["refs/heads/main", "refs/heads/develop"]\'), github.ref)`.',
    zizmor: 'unsound-contains',
  },
  'unsound-condition': {
    severity: 'error',
    short: 'an `if:` whose `${{ }}` is embedded in other text (or a block scalar\'s trailing newline), so it is always a non-empty string: always true',
    fix: 'Write the whole condition inside one `${{ }}`, or leave `${{ }}` out (`if: github.ref == \'refs/heads/main\'`).',
    zizmor: 'unsound-condition',
  },
  'unsound-ternary': {
    severity: 'note',
    short: '`a && \'\' || b` style pseudo-ternary whose true value is falsy, so it always yields `b`',
    fix: 'Swap the branches and negate the condition, or use a non-empty value.',
    tags: ['correctness'],
    zizmor: 'unsound-ternary',
  },
  'insecure-commands': {
    severity: 'error',
    short: '`ACTIONS_ALLOW_UNSECURE_COMMANDS` re-enables the deprecated `set-env`/`add-path` workflow commands',
    fix: 'Remove the variable and write to $GITHUB_ENV / $GITHUB_PATH instead.',
    zizmor: 'insecure-commands',
  },
  'overprovisioned-secrets': {
    severity: 'warning',
    short: '`toJSON(secrets)` or `secrets[<computed>]` hands the runner every secret',
    fix: 'Reference only the secrets the step needs, by name.',
    zizmor: 'overprovisioned-secrets',
  },
  'unredacted-secrets': {
    severity: 'warning',
    short: '`fromJSON(secrets.X)` (or a property of it): values derived from a secret are not masked in logs',
    fix: 'Store each value as its own secret, or mask it with `::add-mask::` before use.',
    zizmor: 'unredacted-secrets',
  },
  'use-trusted-publishing': {
    severity: 'note',
    short: 'publishing to PyPI, npm, RubyGems or crates.io with a long-lived token where Trusted Publishing (OIDC) is available',
    fix: 'Configure Trusted Publishing on the registry, grant `id-token: write`, and drop the token.',
    zizmor: 'use-trusted-publishing',
  },
  'self-hosted-runner': {
    severity: 'warning',
    short: 'a job runs on a self-hosted runner (label `self-hosted`, a runner group, a non-GitHub label, or a matrix/expression that can expand to one)',
    fix: 'Use ephemeral self-hosted runners, never on public repositories that run fork pull requests.',
    zizmor: 'self-hosted-runner',
    persona: 'auditor',
  },
  obfuscation: {
    severity: 'note',
    short: 'obfuscated references: `uses:` with empty, `.` or `..` path components, constant expressions, computed indexes, or an unanalysable `with:`',
    fix: 'Write the reference or value plainly (`actions/checkout@…`, the literal instead of `${{ \'x\' }}`).',
    zizmor: 'obfuscation',
  },
  'anonymous-definition': {
    severity: 'note',
    short: 'workflow or job without `name:`',
    fix: 'Give it a `name:` so runs and checks are readable.',
    tags: ['style'],
    zizmor: 'anonymous-definition',
    persona: 'pedantic',
  },
  'superfluous-actions': {
    severity: 'note',
    short: 'an action whose work the runner image already does (rust-toolchain, gh-release, create-or-update-comment…)',
    fix: 'Use the preinstalled tool in a `run:` step (rustup, gh release, gh pr comment …): one dependency less.',
    tags: ['security', 'supply-chain'],
    zizmor: 'superfluous-actions',
  },
  'template-placeholder': {
    severity: 'warning',
    short: '`$default-branch` (or another workflow-template placeholder) in a workflow under `.github/workflows/`: GitHub substitutes it only when it installs an organisation\'s workflow template, so the filter matches no branch and the workflow never runs on it',
    fix: 'Write the branch name (`branches: [main]`), or drop the filter and guard the jobs with `if: github.ref_name == github.event.repository.default_branch`.',
    tags: ['correctness'],
  },
  'concurrency-limits': {
    severity: 'note',
    short: 'workflow without `concurrency:` (or without `cancel-in-progress`) so runs of one ref pile up',
    fix: 'Add `concurrency: { group: ${{ github.workflow }}-${{ github.ref }}, cancel-in-progress: true }` (never cancel deploys: see deploy-concurrency).',
    tags: ['reliability'],
    zizmor: 'concurrency-limits',
    persona: 'pedantic',
  },
  'dependabot-cooldown': {
    severity: 'warning',
    short: '`.github/dependabot.yml` update without a `cooldown` of at least 7 days (a freshly published, compromised release is proposed at once)',
    fix: 'Add `cooldown: { default-days: 7 }` to each update.',
    tags: ['security', 'supply-chain'],
    zizmor: 'dependabot-cooldown',
  },
  'dependabot-execution': {
    severity: 'error',
    short: '`insecure-external-code-execution: allow` in `.github/dependabot.yml` runs package code during updates',
    fix: 'Remove it (the default is deny).',
    tags: ['security', 'supply-chain'],
    zizmor: 'dependabot-execution',
  },
  'github-app': {
    severity: 'error',
    short: 'actions/create-github-app-token with `skip-token-revoke`, an `owner` without `repositories`, or no `permission-*` input',
    fix: 'Keep revocation on, scope the token with `repositories:` and `permission-<name>:` inputs.',
    zizmor: 'github-app',
  },
  misfeature: {
    severity: 'note',
    short: 'features that undermine analysis or hygiene: setup-python `pip-install`, `shell: cmd`, a shell that is not well known',
    fix: 'Install into a virtual environment; use `shell: bash` or `pwsh`.',
    zizmor: 'misfeature',
  },
  'typosquat-uses': {
    severity: 'error',
    short: '`uses:` names a repository one typo away from a popular action (omission, swap, repetition, homoglyph)',
    fix: 'Check the owner and repository name; use the real action.',
    tags: ['security', 'supply-chain'],
    zizmor: 'typosquat-uses',
  },
  'unpinned-tools': {
    severity: 'warning',
    short: 'a setup action that installs the latest release of its tool (no `version` input, `version: latest`, or a computed one)',
    fix: 'Pin the tool: `with: { version: 1.2.3 }`.',
    tags: ['security', 'supply-chain'],
    zizmor: 'unpinned-tools',
  },
  'adhoc-packages': {
    severity: 'note',
    short: '`gem install`, `npm install <pkg>` … in `run:`: packages installed outside a lockfile',
    fix: 'Declare the package in a lockfile (Gemfile.lock, package-lock.json) and install from it (`bundle install`, `npm ci`).',
    tags: ['security', 'supply-chain'],
    zizmor: 'adhoc-packages',
  },
  'archived-uses': {
    severity: 'warning',
    short: '`uses:` an action or reusable workflow whose repository is archived (shipped, dated list)',
    fix: 'Replace it with a maintained action (actions/setup-ruby → ruby/setup-ruby, …).',
    tags: ['security', 'supply-chain'],
    zizmor: 'archived-uses',
  },
  'ref-version-mismatch': {
    severity: 'warning',
    short: 'a version comment that contradicts the ref (`@v3.8.2 # v3.8.1`); pedantic: a SHA pin without a comment naming a version',
    fix: 'Make the comment name the release the ref points to: `uses: owner/repo@<sha> # v1.2.3`.',
    tags: ['security', 'supply-chain'],
    zizmor: 'ref-version-mismatch',
  },
  schema: {
    severity: 'error',
    short: 'dataops.yml or a quality suite does not match its JSON Schema',
    fix: 'Fix the field named in the message; schemas/ holds the JSON Schemas (editors can use them for completion).',
    tags: ['correctness'],
  },
  'yaml-syntax': {
    severity: 'error',
    short: 'file is not valid YAML (a duplicate key is reported here and the other rules still run)',
    fix: 'Fix the YAML syntax at that line (indentation, quotes, a missing colon, a repeated key).',
    tags: ['correctness'],
  },
  actionlint: {
    severity: 'error',
    short: 'actionlint: workflow syntax, expressions, contexts, job needs, action inputs, runner labels',
    fix: 'See the message; actionlint documents each check at https://github.com/rhysd/actionlint/blob/main/docs/checks.md.',
    tags: ['correctness'],
  },
  shellcheck: { severity: 'warning', short: 'shellcheck on `run:` scripts', fix: 'See https://www.shellcheck.net/wiki/ for the code.', tags: ['correctness'] },
  hadolint: { severity: 'warning', short: 'hadolint on Dockerfiles', fix: 'See https://github.com/hadolint/hadolint#rules for the code.', tags: ['correctness'] },
  sqlfluff: { severity: 'warning', short: 'sqlfluff on SQL files', fix: 'See https://docs.sqlfluff.com/en/stable/reference/rules.html for the code.', tags: ['style'] },
  ruff: { severity: 'warning', short: 'ruff on Python files', fix: 'See https://docs.astral.sh/ruff/rules/ for the code.', tags: ['correctness'] },
};

/** All documented rules, by id. */
export const RULES: Record<string, RuleMeta> = Object.fromEntries(Object.entries(DEFS).map(([id, d]) => [id, { ...d, id, tags: d.tags ?? sec }]));

/** Ids of our own offline workflow/action/Dependabot rules (each has fixtures under tests/fixtures/lint/<id>/). */
export const WORKFLOW_RULE_IDS = [
  'template-injection',
  'unpinned-uses',
  'unpinned-images',
  'excessive-permissions',
  'undocumented-permissions',
  'secrets-outside-env',
  'secrets-inherit',
  'dangerous-triggers',
  'artipacked',
  'missing-timeout',
  'deploy-concurrency',
  'cache-poisoning',
  'github-env',
  'bot-conditions',
  'unsound-contains',
  'unsound-condition',
  'unsound-ternary',
  'insecure-commands',
  'overprovisioned-secrets',
  'unredacted-secrets',
  'use-trusted-publishing',
  'self-hosted-runner',
  'obfuscation',
  'anonymous-definition',
  'superfluous-actions',
  'concurrency-limits',
  'dependabot-cooldown',
  'dependabot-execution',
  'github-app',
  'misfeature',
  'typosquat-uses',
  'unpinned-tools',
  'adhoc-packages',
  'archived-uses',
  'ref-version-mismatch',
  'template-placeholder',
] as const;
export type WorkflowRuleId = (typeof WORKFLOW_RULE_IDS)[number];

const ALIASES: Record<string, string> = Object.fromEntries(Object.values(RULES).flatMap((r) => (r.aliases ?? []).map((a) => [a, r.id])));

/** The current id of a rule id or one of its old aliases (`persisted-credentials` → `artipacked`); other ids unchanged. */
export function canonicalRuleId(id: string): string {
  return ALIASES[id] ?? id;
}

/** Metadata of any rule id, falling back to its family (`actionlint/expression` → `actionlint`). */
export function ruleMeta(ruleId: string): RuleMeta {
  const direct = RULES[canonicalRuleId(ruleId)];
  if (direct) return direct;
  const family = RULES[ruleId.split('/')[0] ?? ''];
  return family ? { ...family, id: ruleId } : { id: ruleId, severity: 'warning', short: ruleId, fix: '', tags: [] };
}
