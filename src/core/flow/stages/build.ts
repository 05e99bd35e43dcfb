/** Flow stage `build-image`: placeholder until the stage is implemented. */
import type { Stage } from '../types.ts';

export const buildStage: Stage = {
  name: 'build-image',
  title: 'Build the pipeline image',
  run() {
    return Promise.resolve({ status: 'skipped', summary: 'not implemented yet' });
  },
};
