/** The DataOps flow, in order. Each stage lives in its own module and reads/writes {@link FlowState}. */
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
