/** Flow stage `publish-promotion`: placeholder until the stage is implemented. */
import type { Stage } from '../types.ts';

export const publishPromotionStage: Stage = {
  name: 'publish-promotion',
  title: 'Publish the signed promotion message',
  run() {
    return Promise.resolve({ status: 'skipped', summary: 'not implemented yet' });
  },
};
