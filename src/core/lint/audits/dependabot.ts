/**
 * Rules over `.github/dependabot.yml`: dependabot-cooldown (each update needs a cooldown of at
 * least {@link MIN_COOLDOWN_DAYS} days, and a cooldown interacts poorly with
 * `multi-ecosystem-group`) and dependabot-execution (`insecure-external-code-execution: allow`).
 * Format: https://docs.github.com/en/code-security/dependabot/working-with-dependabot/dependabot-options-reference
 */
import { isMap } from 'yaml';
import { entries, get, has, items, keyNode, str, type Ctx } from '../model.ts';

/** Shortest cooldown that is not reported. */
export const MIN_COOLDOWN_DAYS = 7;

/** Runs the Dependabot rules over a parsed dependabot.yml. */
export function auditDependabot(ctx: Ctx): void {
  const root = ctx.doc.contents;
  for (const update of items(get(root, 'updates'))) {
    if (!isMap(update)) continue;
    const eco = get(update, 'package-ecosystem');
    const cooldown = get(update, 'cooldown');
    const grouped = has(update, 'multi-ecosystem-group');
    if (!cooldown && !grouped) ctx.report('dependabot-cooldown', update, `the ${str(eco) ?? ''} update has no \`cooldown\`: a release is proposed the moment it is published`, { span: update });
    else if (cooldown && grouped) ctx.report('dependabot-cooldown', keyNode(update, 'cooldown'), 'a `cooldown` on an update in a `multi-ecosystem-group` is applied inconsistently across the group', { span: cooldown });
    else if (cooldown) {
      const days = get(cooldown, 'default-days');
      if (!days) ctx.report('dependabot-cooldown', keyNode(update, 'cooldown'), '`cooldown` sets no `default-days`', { span: cooldown });
      else if (Number(str(days)) < MIN_COOLDOWN_DAYS) ctx.report('dependabot-cooldown', keyNode(cooldown, 'default-days'), `\`default-days: ${str(days)}\` is shorter than ${MIN_COOLDOWN_DAYS} days`, { severity: 'note' });
    }
    for (const [k, v, key] of entries(update)) {
      if (k === 'insecure-external-code-execution' && str(v)?.trim() === 'allow') ctx.report('dependabot-execution', key, '`insecure-external-code-execution: allow` lets package manifests run code during the update, with access to the registries\' credentials', { span: v });
    }
  }
}
