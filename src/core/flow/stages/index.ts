/** The DataOps flow, in order. Each stage lives in its own module and reads/writes {@link FlowState}. */
import { parseStageNames } from '../stage-names.ts';
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
 * stage vocabulary of `dataops flow --only` and of the root action's `stages` input (lint, quality,
 * build-image, system-test, push-image, deploy-staging, verify-staging, publish-promotion,
 * promote-production; `data-quality` is accepted for `quality`), read by {@link parseStageNames}.
 * @throws ConfigError naming every unknown name (at `field`) and the known ones, or when no stage is named.
 */
export function selectStages(names: string | readonly string[], field = 'stages'): Stage[] {
  const wanted = parseStageNames(names, field);
  return FLOW_STAGES.filter((s) => (wanted as readonly string[]).includes(s.name));
}
