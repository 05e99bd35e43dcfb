/**
 * The `lint:` section of dataops.yml: persona (`regular | pedantic | auditor`, as zizmor's),
 * rules turned off or re-levelled, per-rule ignores (`file`, `file:line`, `file:line:column`,
 * globs), ignored paths, self-hosted runner labels and deployment environment names. zod is the
 * single source: the JSON Schema in schemas/ is generated from {@link lintConfigSchema}.
 */
import { z } from 'zod';
import { globToRegExp } from '../glob.ts';
import { canonicalRuleId, type Persona } from './rules.ts';
import type { Finding } from './types.ts';

const ruleSetting = z.union([
  z.enum(['off', 'error', 'warning', 'note']),
  z.strictObject({
    enabled: z.boolean().default(true).describe('false turns the rule off.'),
    severity: z.enum(['error', 'warning', 'note']).optional().describe('Severity of its findings (default: the rule\'s own).'),
    ignore: z.array(z.string()).default([]).describe('Where the rule is not applied: "path/glob", "file.yml:line" or "file.yml:line:column".'),
  }),
]);

/** zod schema of the `lint:` section of dataops.yml. */
export const lintConfigSchema = z
  .strictObject({
    persona: z.enum(['regular', 'pedantic', 'auditor']).default('regular').describe('regular: findings worth acting on; pedantic: also code smells and hardening advice; auditor: also findings that are usually deliberate (as zizmor\'s personas).'),
    rules: z.record(z.string(), ruleSetting).default({}).describe('Per rule id (zizmor audit ids; old ids accepted): "off", a severity, or { enabled, severity, ignore }.'),
    ignore: z.array(z.string()).default([]).describe('Globs (relative to the project) that are not linted.'),
    'deploy-environments': z.string().optional().describe('Regular expression of environment names that deploy-concurrency treats as deployments (default: prod|stag|deploy|live).'),
  })
  .describe('Settings of `dataops lint` and the lint action.');

/** The parsed `lint:` section. */
export type LintConfig = z.output<typeof lintConfigSchema>;

/** Defaults when dataops.yml has no `lint:` section. */
export function defaultLintConfig(): LintConfig {
  return lintConfigSchema.parse({});
}

/** Rule ids (canonical) the config turns off. */
export function disabledRules(config: LintConfig): string[] {
  return Object.entries(config.rules)
    .filter(([, s]) => s === 'off' || (typeof s === 'object' && !s.enabled))
    .map(([id]) => canonicalRuleId(id));
}

/**
 * Applies per-rule severities and ignores to findings (ids compared after alias resolution; a
 * family id such as `actionlint` or `shellcheck` covers its `family/<code>` findings).
 */
export function applyRuleSettings(findings: Finding[], config: LintConfig): Finding[] {
  const settings = Object.entries(config.rules).map(([id, s]) => ({ id: canonicalRuleId(id), s }));
  return findings.flatMap((f) => {
    let out = f;
    for (const { id, s } of settings) {
      if (f.ruleId !== id && !f.ruleId.startsWith(`${id}/`)) continue;
      if (s === 'off') return [];
      if (typeof s === 'string') out = { ...out, severity: s };
      else {
        if (!s.enabled) return [];
        if (s.severity) out = { ...out, severity: s.severity };
        if (s.ignore.some((where) => matchesLocation(f, where))) return [];
      }
    }
    return [out];
  });
}

function matchesLocation(f: Finding, where: string): boolean {
  const m = /^(.*?)(?::(\d+))?(?::(\d+))?$/.exec(where)!;
  const file = m[1]!;
  if (!globToRegExp(file).test(f.file) && f.file !== file) return false;
  if (m[2] && Number(m[2]) !== f.line) return false;
  if (m[3] && Number(m[3]) !== f.column) return false;
  return true;
}

/** Persona names, for CLI validation. */
export const PERSONAS: readonly Persona[] = ['regular', 'pedantic', 'auditor'];

