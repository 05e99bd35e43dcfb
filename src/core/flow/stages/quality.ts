/** Flow stage `quality`: placeholder until the stage is implemented. */
import type { Stage } from '../types.ts';

export const qualityStage: Stage = {
  name: 'quality',
  title: 'Data-quality suites on the pipeline datasets',
  run() {
    return Promise.resolve({ status: 'skipped', summary: 'not implemented yet' });
  },
};
