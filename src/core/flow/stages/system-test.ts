/** Flow stage `system-test`: placeholder until the stage is implemented. */
import type { Stage } from '../types.ts';

export const systemTestStage: Stage = {
  name: 'system-test',
  title: 'Run the image on fixtures and check its outputs',
  run() {
    return Promise.resolve({ status: 'skipped', summary: 'not implemented yet' });
  },
};
