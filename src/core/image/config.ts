/** Placeholder for the `image` section(s) of dataops.yml; replaced by the stage that owns them. */
import { z } from 'zod';

export const imageConfigSchema = z.looseObject({}).describe('image settings (not yet defined).');
export type ImageConfig = z.output<typeof imageConfigSchema>;
