/**
 * The one stage vocabulary of the toolkit, without the stages themselves (so that the root
 * composite action's first step can check its `stages` input without loading the whole flow):
 * `dataops flow --only` (through `selectStages` of ./stages/index.ts) and the root action.yml
 * (through src/actions/stages/main.ts) read stage names with {@link parseStageNames}.
 */
import { ConfigError } from '../errors.ts';

/** The stage names of `dataops flow`, in flow order (`FLOW_STAGES` of ./stages/index.ts has one stage per name, in this order). */
export const STAGE_NAMES = ['lint', 'quality', 'build-image', 'system-test', 'push-image', 'deploy-staging', 'verify-staging', 'publish-promotion', 'promote-production'] as const;

/** A stage name of {@link STAGE_NAMES}. */
export type StageName = (typeof STAGE_NAMES)[number];

/**
 * Older names still accepted, and the stage each one means: `data-quality` is what the root
 * action.yml documented for `quality` up to v0.1.0 (it is also the name of the data-quality action).
 */
export const STAGE_ALIASES: Readonly<Record<string, StageName>> = { 'data-quality': 'quality' };

/**
 * The stages named in `names` (comma- or newline-separated, or a list; blanks ignored; aliases of
 * {@link STAGE_ALIASES} mapped), without duplicates, in flow order.
 * @param field where the names come from, for the error (`--only`, `input "stages"`).
 * @param accepted the stages this caller can run (default every stage): a known stage outside it is refused too.
 * @throws ConfigError naming every unknown (or not accepted) name, at `field`, and the accepted names;
 *   also when `names` names no stage at all.
 */
export function parseStageNames(names: string | readonly string[], field = 'stages', accepted: readonly StageName[] = STAGE_NAMES): StageName[] {
  const given = (typeof names === 'string' ? names.split(/[,\n]/) : [...names]).map((n) => n.trim()).filter(Boolean);
  const aliases = Object.entries(STAGE_ALIASES).filter(([, to]) => accepted.includes(to));
  const fix = `Use the stage names ${accepted.join(', ')}${aliases.length ? ` (${aliases.map(([from, to]) => `${from} = ${to}`).join(', ')})` : ''}, comma-separated.`;
  const canonical = given.map((n) => STAGE_ALIASES[n] ?? n);
  const unknown = given.filter((_, i) => !(STAGE_NAMES as readonly string[]).includes(canonical[i]!));
  const elsewhere = given.filter((_, i) => (STAGE_NAMES as readonly string[]).includes(canonical[i]!) && !(accepted as readonly string[]).includes(canonical[i]!));
  const problems = [
    ...(unknown.length ? [`unknown stage name${unknown.length > 1 ? 's' : ''} ${quoted(unknown)}`] : []),
    ...(elsewhere.length ? [`${quoted(elsewhere)} ${elsewhere.length > 1 ? 'are stages' : 'is a stage'} of dataops flow that does not run here`] : []),
  ];
  if (problems.length) throw new ConfigError(problems.join('; '), { location: { field }, fix });
  if (given.length === 0) throw new ConfigError('names no stage', { location: { field }, fix });
  return STAGE_NAMES.filter((s) => canonical.includes(s));
}

function quoted(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}
