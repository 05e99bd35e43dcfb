/** Placeholder for the `deploy` section(s) of dataops.yml; replaced by the stage that owns them. */
import { z } from 'zod';

export const deployConfigSchema = z.looseObject({}).describe('deploy settings (not yet defined).');
export type DeployConfig = z.output<typeof deployConfigSchema>;
