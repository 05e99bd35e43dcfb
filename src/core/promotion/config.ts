/** Placeholder for the `promotion` section(s) of dataops.yml; replaced by the stage that owns them. */
import { z } from 'zod';

export const promotionConfigSchema = z.looseObject({}).describe('promotion settings (not yet defined).');
export type PromotionConfig = z.output<typeof promotionConfigSchema>;
