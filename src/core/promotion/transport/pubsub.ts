/**
 * Google Cloud Pub/Sub transport of the promotion message (`@google-cloud/pubsub`, or the Pub/Sub
 * emulator given as {@link PubSubAccess.emulatorHost}). Publishing uses the ordering key `<pipeline>/<environment>` and
 * CloudEvents attributes in the Pub/Sub binding's `ce-` form; the consumer pulls, acks handled
 * messages, releases failing ones with an exponential backoff (they stay on the subscription; on
 * the last delivery attempt they go to the dead-letter topic with the reason) and forwards refused
 * (forged) messages straight to the dead-letter topic.
 */
import type { PubSub, Topic } from '@google-cloud/pubsub';
import { ConfigError, isConfigError } from '../../errors.ts';
import { importPackage, type PubSubModule, type RuntimeModules } from '../../runtime/modules.ts';
import { isRejected, PromotionFailed } from '../errors.ts';
import type { SignedPromotion } from '../message.ts';
import type { PromotionConfig } from '../config.ts';

type PubSubSettings = PromotionConfig['transport']['pubsub'];

/** How the transport reaches Pub/Sub. */
export interface PubSubAccess {
  /** A client to use (left open); by default one is created (and closed) per call. */
  client?: PubSub | undefined;
  /** Where `@google-cloud/pubsub` comes from (`pubsub` loader). Default: node_modules, else the workspace's. */
  runtime?: RuntimeModules | undefined;
  /** The Pub/Sub emulator, `host:port` (the runner context's `pubsubEmulatorHost`). Default: the client's own lookup of PUBSUB_EMULATOR_HOST. */
  emulatorHost?: string | undefined;
  /** A project whose node_modules may hold `@google-cloud/pubsub` (the workspace). */
  workspace?: string | undefined;
}

/**
 * Loads `@google-cloud/pubsub` (not bundled into the actions: with gRPC and its protos it weighs
 * ~10 MB and needs CommonJS `__dirname`): through the access's `pubsub` loader (the actions: the
 * tool cache), else from the toolkit's node_modules, else from the workspace.
 * @throws ConfigError when none has it; the installer's RuntimeInstallError when installing failed.
 */
export function loadPubSubModule(access: PubSubAccess = {}): Promise<PubSubModule> {
  if (access.runtime?.pubsub) return access.runtime.pubsub();
  return importPackage('@google-cloud/pubsub', () => import(/* webpackIgnore: true */ '@google-cloud/pubsub'), access.workspace, {
    field: 'promotion.transport.type',
    fix: 'Install the toolkit with its dependencies (npm install), or use transport github-dispatch. The actions install it themselves on first use.',
  });
}

/** A Pub/Sub client for `project`: the access's client, or a new one (the emulator when `emulatorHost` is given). */
export async function pubsubClient(project: string, access: PubSubAccess = {}): Promise<PubSub> {
  if (access.client) return access.client;
  const { PubSub: Client } = await loadPubSubModule(access);
  const client = new Client({ projectId: project, ...(access.emulatorHost ? { apiEndpoint: access.emulatorHost, emulatorMode: true } : {}) });
  // without an emulator, Google credentials are looked up now: their absence is the user's to fix
  // (one line, exit 2), not an error of the first call (and of the publisher's background flush)
  if (!access.emulatorHost && !client.isEmulator) await client.auth.getClient().catch((err: unknown) => {
    throw new ConfigError(`no Pub/Sub emulator (PUBSUB_EMULATOR_HOST is unset) and no Google credentials for project "${project}": ${(err instanceof Error ? err.message : String(err)).split('. ')[0]}`, {
      location: { field: 'PUBSUB_EMULATOR_HOST' },
      fix: 'Locally, start the emulator (gcloud beta emulators pubsub start --host-port=127.0.0.1:8085), export PUBSUB_EMULATOR_HOST=127.0.0.1:8085 and pass --create-topology once — or let "dataops flow" start one; for Google Cloud, sign in (gcloud auth application-default login) or set GOOGLE_APPLICATION_CREDENTIALS.',
      cause: err,
    });
  });
  return client;
}

const topicPath = (project: string, name: string) => (name.startsWith('projects/') ? name : `projects/${project}/topics/${name}`);
const subscriptionPath = (project: string, name: string) => (name.startsWith('projects/') ? name : `projects/${project}/subscriptions/${name}`);

/** Name of the subscription that keeps dead-lettered messages readable. */
export const deadLetterSubscriptionName = (settings: PubSubSettings) => `${settings.dead_letter_topic}-sub`;

/**
 * Creates (when missing) the topic, the dead-letter topic with a subscription of its own, and the
 * pull subscription with message ordering and a dead-letter policy of `max_delivery_attempts`.
 * On Google Cloud the Pub/Sub service agent also needs publisher rights on the dead-letter topic.
 */
export async function ensurePromotionTopology(settings: PubSubSettings, access: PubSubAccess = {}): Promise<void> {
  const client = await pubsubClient(settings.project, access);
  const alreadyExists = (err: unknown) => {
    if ((err as { code?: number }).code !== 6) throw err;
  };
  const ensureTopic = async (name: string) => {
    const topic = client.topic(name);
    const [exists] = await topic.exists();
    if (!exists) await topic.create().catch(alreadyExists);
    return topic;
  };
  const topic = await ensureTopic(settings.topic);
  const dlt = await ensureTopic(settings.dead_letter_topic);
  const ensureSub = async (t: Topic, name: string, options: Record<string, unknown>) => {
    const sub = client.subscription(name);
    const [exists] = await sub.exists();
    if (!exists) await t.createSubscription(name, options).catch(alreadyExists);
  };
  await ensureSub(dlt, deadLetterSubscriptionName(settings), { ackDeadlineSeconds: settings.ack_deadline_seconds });
  await ensureSub(topic, settings.subscription, {
    ackDeadlineSeconds: settings.ack_deadline_seconds,
    enableMessageOrdering: settings.message_ordering,
    deadLetterPolicy: { deadLetterTopic: topicPath(settings.project, settings.dead_letter_topic), maxDeliveryAttempts: settings.max_delivery_attempts },
    retryPolicy: { minimumBackoff: { seconds: settings.retry_backoff.minimum_seconds }, maximumBackoff: { seconds: settings.retry_backoff.maximum_seconds } },
  });
}

/** Pub/Sub attributes of a promotion: the CloudEvents Pub/Sub protocol binding's `ce-` attributes. */
export function promotionAttributes(event: SignedPromotion): Record<string, string> {
  return {
    'ce-specversion': event.specversion,
    'ce-id': event.id,
    'ce-type': event.type,
    'ce-source': event.source,
    'ce-time': event.time,
    'ce-subject': event.subject,
    'content-type': 'application/cloudevents+json; charset=UTF-8',
    'dataops-sigmode': event.dataopssigmode,
  };
}

/**
 * Publishes the signed event (structured JSON) with ordering key `subject` (pipeline/environment).
 * The client retries transient errors (gax defaults); returns the Pub/Sub message id.
 * @throws ConfigError when the topic does not exist.
 */
export async function publishPromotion(event: SignedPromotion, settings: PubSubSettings, access: PubSubAccess = {}): Promise<string> {
  const client = await pubsubClient(settings.project, access);
  const topic = client.topic(settings.topic, { messageOrdering: true });
  try {
    return await topic.publishMessage({ data: Buffer.from(JSON.stringify(event)), orderingKey: event.subject, attributes: promotionAttributes(event) });
  } catch (err) {
    if ((err as { code?: number }).code === 5) throw new ConfigError(`Pub/Sub topic "${settings.topic}" does not exist in project "${settings.project}"`, { location: { field: 'promotion.transport.pubsub.topic' }, fix: 'Create it (gcloud pubsub topics create), or pass --create-topology to "dataops promote publish" or "dataops promote listen" (the publish-promotion action: create-topology: true).', cause: err });
    topic.resumePublishing(event.subject);
    throw err;
  } finally {
    await topic.flush().catch(() => undefined);
  }
}

/** One pulled message. */
export interface PulledPromotion {
  /** Pub/Sub message id (new on every publish; a redelivery keeps it). */
  messageId: string;
  /** 1-based delivery attempt (set when a dead-letter policy is configured). */
  deliveryAttempt: number;
  attributes: Record<string, string>;
  data: Buffer;
}

/** What the handler decided: `ack` (handled), or `release` (leave it on the subscription, redelivered after the backoff). `undefined` is `ack`. */
export type HandleOutcome = 'ack' | 'release' | 'nack' | undefined;

/** Outcome counters of {@link consumePromotions}. */
export interface ConsumeStats {
  received: number;
  acked: number;
  /** Released unacknowledged with a backoff (failed, declined): they stay on the subscription. */
  nacked: number;
  deadLettered: number;
}

/** Options of {@link consumePromotions}. */
export interface ConsumeOptions {
  /** Stop after this many handled messages (acked or dead-lettered). Default: run until `signal`. */
  maxMessages?: number;
  /** Give up after this long without reaching `maxMessages` (ms). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Stop as soon as this returns true (checked after every message). */
  until?: (stats: ConsumeStats) => boolean;
  /** Log line sink. */
  log?: (line: string) => void;
}

/** Seconds before a released message is delivered again: minimum × 2^(attempt-1), capped at maximum (Pub/Sub RetryPolicy semantics). */
export function backoffSeconds(settings: PubSubSettings, deliveryAttempt: number): number {
  const { minimum_seconds: min, maximum_seconds: max } = settings.retry_backoff;
  return Math.min(max, Math.max(min, Math.round(min * 2 ** Math.max(0, deliveryAttempt - 1))));
}

/**
 * Pulls promotions from the subscription (synchronous pull, one message in flight) and hands each
 * to `handle`. While `handle` runs (approval, copy, deploy) the message's ack deadline is extended
 * every half deadline, so Pub/Sub neither redelivers it nor counts another delivery attempt.
 * - resolved `ack` → acknowledged;
 * - a `PromotionRejected` (other than `approval-required`) → forwarded to the dead-letter topic with
 *   `dataops-rejection` attributes and acknowledged (a forged message never gets better);
 * - a configuration error → the message is released at once and the error is thrown: consuming stops;
 * - `release`, a declined approval or any other error (`PromotionFailed` such as
 *   `registry-unreachable`, a deploy failure) → released with the backoff of its delivery attempt
 *   (`modifyAckDeadline` to the backoff, so it stays on the subscription); on its last attempt
 *   (`max_delivery_attempts`) it is forwarded to the dead-letter topic with the reason instead.
 * @throws ConfigError from `handle` (after releasing the message).
 */
export async function consumePromotions(settings: PubSubSettings, handle: (msg: PulledPromotion) => Promise<HandleOutcome>, options: ConsumeOptions = {}, access: PubSubAccess = {}): Promise<ConsumeStats> {
  const client = await pubsubClient(settings.project, access);
  const { v1 } = await loadPubSubModule(access);
  const subscriber = new v1.SubscriberClient((await client.getClientConfig()) as ConstructorParameters<typeof v1.SubscriberClient>[0]);
  const sub = subscriptionPath(settings.project, settings.subscription);
  const stats: ConsumeStats = { received: 0, acked: 0, nacked: 0, deadLettered: 0 };
  const deadline = options.timeoutMs ? Date.now() + options.timeoutMs : Infinity;
  const log = options.log ?? (() => undefined);
  const modAck = (ackId: string, seconds: number) => subscriber.modifyAckDeadline({ subscription: sub, ackIds: [ackId], ackDeadlineSeconds: seconds });
  const deadLetter = async (pulled: PulledPromotion, ackId: string, reason: string, detail: string) => {
    await client.topic(settings.dead_letter_topic).publishMessage({ data: pulled.data, attributes: { ...pulled.attributes, 'dataops-rejection': reason, 'dataops-rejection-detail': detail.slice(0, 1000), 'dataops-original-message-id': pulled.messageId, 'dataops-delivery-attempt': String(pulled.deliveryAttempt) } });
    await subscriber.acknowledge({ subscription: sub, ackIds: [ackId] });
    stats.deadLettered++;
  };
  try {
    while (!options.signal?.aborted && !options.until?.(stats) && Date.now() < deadline && (options.maxMessages === undefined || stats.acked + stats.deadLettered < options.maxMessages)) {
      const [res] = await subscriber.pull({ subscription: sub, maxMessages: 1 }, { timeout: 10_000 }).catch((err: { code?: number }) => {
        if (err.code === 4) return [{ receivedMessages: [] }] as const; // DEADLINE_EXCEEDED: nothing to pull
        throw err;
      });
      const received = res.receivedMessages ?? [];
      if (received.length === 0) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      for (const rm of received) {
        const m = rm.message ?? {};
        const ackId = String(rm.ackId);
        stats.received++;
        const pulled: PulledPromotion = {
          messageId: String(m.messageId ?? ''),
          deliveryAttempt: Number(rm.deliveryAttempt ?? 1) || 1,
          attributes: Object.fromEntries(Object.entries(m.attributes ?? {}).map(([k, v]) => [k, String(v)])),
          data: Buffer.from(m.data ?? ''),
        };
        // keep the lease while the handler works (an approver may take minutes)
        const lease = setInterval(() => void modAck(ackId, settings.ack_deadline_seconds).catch(() => undefined), (settings.ack_deadline_seconds * 1000) / 2);
        let outcome: HandleOutcome;
        let failure: { reason: string; message: string } | undefined;
        try {
          outcome = (await handle(pulled)) ?? 'ack';
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          if (isRejected(err) && err.reason !== 'approval-required') {
            clearInterval(lease);
            await deadLetter(pulled, ackId, err.reason, message);
            log(`refused message ${pulled.messageId}: ${message} → dead-letter topic ${settings.dead_letter_topic}`);
            continue;
          }
          if (isConfigError(err) && !isRejected(err)) {
            clearInterval(lease);
            await modAck(ackId, 0).catch(() => undefined);
            stats.nacked++;
            throw err;
          }
          failure = { reason: isRejected(err) || err instanceof PromotionFailed ? err.reason : 'deploy-failed', message };
          outcome = 'release';
        } finally {
          clearInterval(lease);
        }
        if (outcome === 'ack') {
          await subscriber.acknowledge({ subscription: sub, ackIds: [ackId] });
          stats.acked++;
          continue;
        }
        if (failure && pulled.deliveryAttempt >= settings.max_delivery_attempts) {
          await deadLetter(pulled, ackId, failure.reason, failure.message);
          log(`message ${pulled.messageId} failed on its last delivery attempt (${pulled.deliveryAttempt} of ${settings.max_delivery_attempts}): ${failure.message} → dead-letter topic ${settings.dead_letter_topic}`);
          continue;
        }
        const wait = backoffSeconds(settings, pulled.deliveryAttempt);
        await modAck(ackId, wait);
        stats.nacked++;
        log(`message ${pulled.messageId} (attempt ${pulled.deliveryAttempt} of ${settings.max_delivery_attempts})${failure ? ` failed: ${failure.message}` : ' was released'}; it stays on the subscription and is delivered again in ${wait} s`);
      }
    }
  } finally {
    await subscriber.close();
  }
  return stats;
}
