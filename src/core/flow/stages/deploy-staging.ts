/** Flow stage `deploy-staging`: placeholder until the stage is implemented. */
import type { Stage } from '../types.ts';

export const deployStagingStage: Stage = {
  name: 'deploy-staging',
  title: 'Deploy the digest to staging',
  run() {
    return Promise.resolve({ status: 'skipped', summary: 'not implemented yet' });
  },
};
