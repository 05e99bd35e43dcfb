/** The DataOps flow, in order. Each stage lives in its own module and reads/writes {@link FlowState}. */
import { ConfigError } from '../../errors.ts';
import type { Stage } from '../types.ts';
import { lintStage } from './lint.ts';
import { qualityStage } from './quality.ts';
import { buildStage } from './build.ts';
import { systemTestStage } from './system-test.ts';
import { pushStage } from './push.ts';
import { deployStagingStage } from './deploy-staging.ts';
import { verifyStage } from './verify.ts';
import { publishPromotionStage } from './publish-promotion.ts';
import { promoteProductionStage } from './promote-production.ts';

/** All stages of `dataops flow`, in execution order. */
export const FLOW_STAGES: readonly Stage[] = [
  lintStage,
  qualityStage,
  buildStage,
  systemTestStage,
  pushStage,
  deployStagingStage,
  verifyStage,
  publishPromotionStage,
  promoteProductionStage,
];

/**
 * The stages named in `names` (comma-separated or a list; blanks ignored), in flow order: the one
 * stage vocabulary of `dataops flow --only` (lint, quality, build-image, system-test, push-image,
 * deploy-staging, verify-staging, publish-promotion, promote-production).
 * @throws ConfigError naming every unknown name (at `field`) and the known ones.
 */
export function selectStages(names: string | readonly string[], field = 'stages'): Stage[] {
  const wanted = (typeof names === 'string' ? names.split(',') : [...names]).map((n) => n.trim()).filter(Boolean);
  const known = FLOW_STAGES.map((s) => s.name);
  const unknown = wanted.filter((n) => !known.includes(n));
  if (unknown.length) {
    throw new ConfigError(`unknown stage name${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}`, { location: { field }, fix: `Use the stage names ${known.join(', ')}.` });
  }
  return FLOW_STAGES.filter((s) => wanted.includes(s.name));
}
