/**
 * The promotion message: a CloudEvents 1.0 event in structured JSON mode
 * (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/formats/json-format.md) whose data
 * names the exact image digest that passed staging, where it came from (repository, ids, commit,
 * ref, event, workflow run), the staging deployment and the evidence (report digests and verdicts).
 *
 * The signature travels inside the event as two extension attributes, `dataopssigmode` and
 * `dataopssignature`; it covers the canonical JSON ({@link canonicalJson}) of the event without them.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ConfigError, ConfigErrors } from '../errors.ts';
import { repositorySchema } from '../fields.ts';
import { requireDigestRef } from '../image/ref.ts';
import { formatPath } from '../yaml.ts';

/** CloudEvents `type` of a promotion; the version suffix changes with incompatible data changes. */
export const PROMOTION_EVENT_TYPE = 'io.dataops.promotion.v1';

const sha256Hex = z.string().regex(/^sha256:[a-f0-9]{64}$/, 'expected sha256:<64 lower-case hex>');
const digestRefString = z
  .string()
  .regex(/^[a-z0-9.-]+(?::\d+)?\/[a-z0-9._/-]+@sha256:[a-f0-9]{64}$/, 'expected registry/repository@sha256:<64 hex> (a digest reference, never a tag)');
const numericId = z.string().regex(/^\d+$/, 'expected a numeric GitHub id as a string');

export const evidenceSchema = z
  .strictObject({
    name: z.string().min(1).describe('Report name (suite name, "system-test", "verify", budget name).'),
    kind: z.enum(['quality', 'system-test', 'performance', 'verify', 'other']).describe('Kind of evidence.'),
    status: z.string().min(1).describe('Verdict of the report (passed, warned, failed…).'),
    sha256: sha256Hex.optional().describe('sha256 of the report file, so the approver can check the exact report.'),
    url: z.string().optional().describe('Where the report can be read (job summary, artifact, check run).'),
  })
  .describe('One piece of evidence: a report and its verdict.');
export type Evidence = z.output<typeof evidenceSchema>;

export const dataVersionsSchema = z
  .strictObject({
    artifact: sha256Hex.optional().describe('Digest of the OCI artifact (subject = the image) holding the data manifests.'),
    manifests: z
      .array(
        z.strictObject({
          dataset: z.string().min(1).describe('Dataset name.'),
          stage: z.string().min(1).describe('Stage that read it (quality, system-test, verify-staging).'),
          role: z.enum(['input', 'output']).describe('input: data read; output: data the image wrote.'),
          manifest: sha256Hex.describe('Digest of the data manifest document.'),
          content_hash: sha256Hex.nullable().describe('Content hash of the data (null for SQL datasets).'),
          row_count: z.number().int().min(0).describe('Rows.'),
        }),
      )
      .describe('One entry per data manifest.'),
  })
  .describe('The data versions the image was tested and verified with (src/core/data/manifest.ts).');
export type DataVersions = z.output<typeof dataVersionsSchema>;

export const promotionDataSchema = z
  .strictObject({
    pipeline: z.string().min(1).describe('Pipeline (project) name.'),
    environment: z.string().min(1).describe('Target environment of the promotion (the audience).'),
    image: digestRefString.describe('The image that passed staging, by digest: registry/repository@sha256:….'),
    rollback: z.boolean().default(false).describe('True for a deliberate, signed rollback to an older digest.'),
    source: z
      .strictObject({
        issuer: z.string().min(1).describe('Who vouches for the identity claims: the OIDC issuer on GitHub Actions, "local" on a laptop.'),
        repository: repositorySchema.describe('owner/repo that built and tested the image.'),
        repository_id: numericId.describe('Numeric repository id (survives renames; differs for a re-created repository).'),
        repository_owner_id: numericId.describe('Numeric owner id (differs for a fork).'),
        sha: z.string().regex(/^[a-f0-9]{40}([a-f0-9]{24})?$/, 'expected a full commit SHA').describe('Commit SHA.'),
        ref: z.string().min(1).describe('Git ref (refs/heads/main, refs/tags/v1.2.0).'),
        event_name: z.string().min(1).describe('GitHub event that triggered the run (push, workflow_dispatch…).'),
        job_workflow_ref: z.string().optional().describe('Reusable workflow that signed: owner/repo/.github/workflows/x.yml@ref.'),
      })
      .describe('Where the image comes from.'),
    run: z
      .strictObject({
        id: z.string().min(1).describe('Workflow run id (or a local run id).'),
        attempt: z.number().int().min(1).default(1).describe('Run attempt.'),
        url: z.string().optional().describe('Workflow run URL.'),
      })
      .describe('The run that produced the message.'),
    staging: z
      .strictObject({
        environment: z.string().min(1).describe('Staging environment name.'),
        deployment_id: z.number().int().optional().describe('GitHub deployment id of the staging deployment (absent locally).'),
        url: z.string().optional().describe('Staging environment URL.'),
      })
      .describe('The staging deployment of the digest.'),
    evidence: z.array(evidenceSchema).default([]).describe('Report digests and verdicts: quality, system test, performance budget, verify.'),
    // optional without a default: a message signed without it verifies unchanged (the signature covers the parsed event)
    data_versions: dataVersionsSchema.optional(),
    expires_at: z.iso.datetime({ offset: true }).describe('The message is refused after this instant (RFC 3339).'),
  })
  .describe('data of a promotion event.');
export type PromotionData = z.output<typeof promotionDataSchema>;

/** The CloudEvents attributes plus our data, without signature. */
export const promotionEventSchema = z
  .strictObject({
    specversion: z.literal('1.0').describe('CloudEvents spec version.'),
    id: z.uuid().describe('Unique event id (UUID). Redeliveries keep it: it is the idempotency key of the promotion.'),
    source: z.string().min(1).describe('URI of the repository that produced the event, e.g. https://github.com/octo/pipeline.'),
    type: z.literal(PROMOTION_EVENT_TYPE).describe('Versioned event type.'),
    time: z.iso.datetime({ offset: true }).describe('When the event was produced (RFC 3339).'),
    subject: z.string().min(1).describe('pipeline/environment the promotion targets (also the Pub/Sub ordering key).'),
    datacontenttype: z.literal('application/json').describe('Media type of data.'),
    dataopssigmode: z.enum(['key', 'sigstore']).optional().describe('Extension: how the event is signed.'),
    dataopssignature: z
      .string()
      .optional()
      .describe('Extension: detached JWS (mode key) or base64 sigstore bundle (mode sigstore) over the canonical JSON of the event without the two signature attributes.'),
    data: promotionDataSchema,
  })
  .describe('dataops-actions promotion message: a CloudEvents 1.0 event (structured JSON).');
export type PromotionEvent = z.output<typeof promotionEventSchema>;
/** A signed event: both signature attributes present. */
export type SignedPromotion = PromotionEvent & { dataopssigmode: 'key' | 'sigstore'; dataopssignature: string };

/** What {@link createPromotionEvent} needs. */
export interface PromotionInput {
  pipeline: string;
  environment: string;
  image: string;
  rollback?: boolean;
  source: PromotionData['source'];
  /** CloudEvents `source`: the web URL of the signing repository on its server (`sourceIdentity().repositoryUrl`; GHES-aware). */
  sourceUrl: string;
  run: { id: string; attempt?: number; url?: string };
  staging: PromotionData['staging'];
  evidence?: Evidence[];
  /** The data manifests staging verified with (absent: the message carries none). */
  dataVersions?: DataVersions | undefined;
  /** Message time (default now). */
  now?: Date;
  /** Lifetime in seconds (default 24 h). */
  expiresInSeconds?: number;
  /** Event id (default a fresh UUID v4). */
  id?: string;
}

/**
 * Builds an unsigned promotion event.
 * @throws ConfigError-free zod error when an input is malformed (callers validate user input first).
 */
export function createPromotionEvent(input: PromotionInput): PromotionEvent {
  requireDigestRef(input.image, 'image');
  const now = input.now ?? new Date();
  const expires = new Date(now.getTime() + (input.expiresInSeconds ?? 24 * 3600) * 1000);
  const parsed = promotionEventSchema.safeParse({
    specversion: '1.0',
    id: input.id ?? randomUUID(),
    source: input.sourceUrl,
    type: PROMOTION_EVENT_TYPE,
    time: now.toISOString(),
    subject: `${input.pipeline}/${input.environment}`,
    datacontenttype: 'application/json',
    data: {
      pipeline: input.pipeline,
      environment: input.environment,
      image: input.image,
      rollback: input.rollback ?? false,
      source: input.source,
      run: { id: input.run.id, attempt: input.run.attempt ?? 1, ...(input.run.url ? { url: input.run.url } : {}) },
      staging: input.staging,
      evidence: input.evidence ?? [],
      ...(input.dataVersions ? { data_versions: input.dataVersions } : {}),
      expires_at: expires.toISOString(),
    },
  });
  if (parsed.success) return parsed.data;
  throw new ConfigErrors(
    parsed.error.issues.map((issue) => new ConfigError(issue.message, { location: { field: formatPath(issue.path.filter((p): p is string | number => typeof p !== 'symbol')) }, fix: 'Fix that value of the promotion (the inputs of publish-promotion or the flow state it comes from).' })),
  );
}

/**
 * Canonical JSON (RFC 8785 for the values a promotion holds: objects with keys sorted by UTF-16
 * code units, no whitespace, ECMAScript number and string serialisation; `undefined` members dropped).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The bytes a signature covers: canonical JSON of the event without its signature attributes. */
export function signingPayload(event: PromotionEvent | Record<string, unknown>): Uint8Array {
  const { dataopssigmode: _m, dataopssignature: _s, ...rest } = event as Record<string, unknown>;
  return new TextEncoder().encode(canonicalJson(rest));
}
