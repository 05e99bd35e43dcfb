/** Flow stage `promote-production`: placeholder until the stage is implemented. */
import type { Stage } from '../types.ts';

export const promoteProductionStage: Stage = {
  name: 'promote-production',
  title: 'Gated production deploy of the same digest',
  run() {
    return Promise.resolve({ status: 'skipped', summary: 'not implemented yet' });
  },
};
