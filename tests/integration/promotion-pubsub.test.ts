/** The Pub/Sub transport against the real emulator: publish/pull with CloudEvents attributes, dead-lettering. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pubsubConfigSchema } from '../../src/core/promotion/config.ts';
import { PromotionRejected } from '../../src/core/promotion/errors.ts';
import { consumePromotions, deadLetterSubscriptionName, ensurePromotionTopology, publishPromotion, pubsubClient, type PulledPromotion } from '../../src/core/promotion/transport/pubsub.ts';
import { verifyPromotion } from '../../src/core/promotion/verify.ts';
import { ISSUER, keyFixture, signedMessage, testPolicy } from '../helpers/promotion.ts';

const settings = (maxAttempts = 5, backoff = { minimum_seconds: 0, maximum_seconds: 0 }) => {
  const n = randomUUID().slice(0, 8);
  return pubsubConfigSchema.parse({ project: 'dataops-test', topic: `promo-${n}`, subscription: `promo-${n}-prod`, dead_letter_topic: `promo-${n}-dlq`, max_delivery_attempts: maxAttempts, ack_deadline_seconds: 10, retry_backoff: backoff });
};

describe.skipIf(!inject('pubsubEmulatorHost'))('Pub/Sub transport (emulator)', () => {
  const key = keyFixture();
  let previous: string | undefined;
  beforeAll(() => {
    previous = process.env.PUBSUB_EMULATOR_HOST;
    process.env.PUBSUB_EMULATOR_HOST = inject('pubsubEmulatorHost');
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.PUBSUB_EMULATOR_HOST;
    else process.env.PUBSUB_EMULATOR_HOST = previous;
  });

  it('publishes with CloudEvents attributes and the ordering key; the consumer verifies and acks', async () => {
    const s = settings();
    await ensurePromotionTopology(s);
    const msg = await signedMessage(key.signing);
    const messageId = await publishPromotion(msg, s);
    expect(messageId).toMatch(/\S/);
    const got: PulledPromotion[] = [];
    const stats = await consumePromotions(s, async (m) => {
      got.push(m);
      await verifyPromotion(m.data, { policy: testPolicy(), pipeline: 'flights-routes', environment: 'production', keys: key.trusted, issuers: [ISSUER] });
      return 'ack';
    }, { maxMessages: 1, timeoutMs: 30_000 });
    expect(stats).toMatchObject({ received: 1, acked: 1, nacked: 0 });
    expect(got[0]!.messageId).toBe(messageId);
    expect(got[0]!.attributes).toMatchObject({ 'ce-id': msg.id, 'ce-type': 'io.dataops.promotion.v1', 'ce-specversion': '1.0', 'ce-subject': 'flights-routes/production' });
  });

  it('a message the consumer keeps failing reaches the dead-letter topic on its last delivery attempt, with the reason', async () => {
    const s = settings(5);
    await ensurePromotionTopology(s);
    const msg = await signedMessage(key.signing);
    await publishPromotion(msg, s);
    const attempts: number[] = [];
    const stats = await consumePromotions(s, (m) => {
      attempts.push(m.deliveryAttempt);
      return Promise.reject(new Error('deploy backend unavailable'));
    }, { timeoutMs: 60_000, until: (st) => st.nacked + st.deadLettered >= 5 });
    expect(attempts).toEqual([1, 2, 3, 4, 5]);
    expect(stats).toMatchObject({ nacked: 4, deadLettered: 1 });
    // no sixth delivery: the message left the subscription (the emulator moves it on the next pull)
    const after = await consumePromotions(s, () => Promise.resolve('ack' as const), { timeoutMs: 3000 });
    expect(after.received).toBe(0);
    const dead: PulledPromotion[] = [];
    await consumePromotions({ ...s, subscription: deadLetterSubscriptionName(s) }, (m) => {
      dead.push(m);
      return Promise.resolve('ack' as const);
    }, { maxMessages: 1, timeoutMs: 30_000 });
    expect(dead).toHaveLength(1);
    expect(dead[0]!.attributes['ce-id']).toBe(msg.id);
    expect(dead[0]!.attributes).toMatchObject({ 'dataops-rejection': 'deploy-failed', 'dataops-delivery-attempt': '5' });
  });

  it('a refused (forged) message goes straight to the dead-letter topic with the reason', async () => {
    const s = settings();
    await ensurePromotionTopology(s);
    const msg = await signedMessage(key.signing);
    await publishPromotion({ ...msg, data: { ...msg.data, image: msg.data.image.replace(/@sha256:(.)/, (_m, c: string) => `@sha256:${c === '0' ? '1' : '0'}`) } }, s);
    const stats = await consumePromotions(s, async (m) => {
      await verifyPromotion(m.data, { policy: testPolicy(), pipeline: 'flights-routes', environment: 'production', keys: key.trusted, issuers: [ISSUER] });
      return 'ack';
    }, { maxMessages: 1, timeoutMs: 30_000 });
    expect(stats.deadLettered).toBe(1);
    const dead: PulledPromotion[] = [];
    await consumePromotions({ ...s, subscription: deadLetterSubscriptionName(s) }, (m) => {
      dead.push(m);
      return Promise.resolve(undefined);
    }, { maxMessages: 1, timeoutMs: 30_000 });
    expect(dead[0]!.attributes['dataops-rejection']).toBe('bad-signature');
    expect(new PromotionRejected('bad-signature', 'x').reason).toBe('bad-signature');
    await (await pubsubClient(s.project)).close();
  });
});
