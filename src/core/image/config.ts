/**
 * `image:` in dataops.yml: how the pipeline image is built (Dockerfile, context, build args,
 * target, platforms, secrets, builder, labels, tag rules, cache), plus the `push` (push-config.ts)
 * and `system_test` (system-test-config.ts) sub-sections owned by those stages.
 */
import { z } from 'zod';
import { identifierSchema } from '../fields.ts';
import { pushConfigSchema } from './push-config.ts';
import { systemTestConfigSchema } from './system-test-config.ts';

/** A build secret, exposed to `RUN --mount=type=secret,id=<id>` only (never a build arg). */
export const buildSecretSchema = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, ".", "_" or "-"').describe('Secret id, as in RUN --mount=type=secret,id=<id>.'),
    env: identifierSchema.optional().describe('Environment variable holding the secret value.'),
    file: z.string().optional().describe('File holding the secret, relative to dataops.yml, inside the project (not a credential file such as .npmrc: use env).'),
  })
  .refine((s) => (s.env === undefined) !== (s.file === undefined), { message: 'give exactly one of "env" or "file"' })
  .describe('A build secret, mounted during RUN steps and never stored in the image or its provenance.');
/** @public The validated section, for code that reads it (knip: not yet imported elsewhere). */
export type BuildSecret = z.output<typeof buildSecretSchema>;

/** Tag rules, after docker/metadata-action's type=sha / type=ref / type=semver / flavor latest. */
export const tagRulesSchema = z
  .strictObject({
    sha: z.boolean().default(true).describe('Tag sha-<7 hex of the commit>.'),
    branch: z.boolean().default(true).describe('Tag the branch name (sanitised: lower-case, [a-z0-9._-], max 128).'),
    semver: z.boolean().default(true).describe('On a v1.2.3 git tag: tags 1.2.3, 1.2 and 1 (no 1/1.2 for pre-releases or 0.x majors).'),
    pr: z.boolean().default(true).describe('On a pull request: tag pr-<number>.'),
    latest: z.enum(['auto', 'true', 'false']).default('auto').describe('auto: "latest" on a stable semver tag and on the default branch.'),
    extra: z.array(z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/)).default([]).describe('Additional fixed tags.'),
  })
  .describe('Which tags the image gets (tags are names; later stages use the digest).');

/** Layer cache settings. */
export const cacheSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Reuse cached layers (buildah --layers; buildx cache-from/to).'),
    gha_scope: z.string().optional().describe('buildx type=gha cache scope (default: the image name).'),
  })
  .describe('Build cache.');

/** `image:` section. */
export const imageConfigSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9]+(?:[._:-]?[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/, 'a lower-case repository name, without tag or digest')
      .optional()
      .describe('Image name (repository) without tag, e.g. localhost/flights-routes. Default: localhost/<project name>.'),
    dockerfile: z.string().default('Dockerfile').describe('Dockerfile path, relative to dataops.yml, inside the project.'),
    context: z.string().default('.').describe('Build context directory, relative to dataops.yml, inside the project.'),
    build_args: z.record(z.string(), z.string()).default({}).describe('Build arguments (--build-arg). Not for secrets: use "secrets".'),
    target: z.string().optional().describe('Multi-stage target to build.'),
    platforms: z.array(z.string()).default([]).describe('Target platforms (buildx only), e.g. linux/amd64, linux/arm64.'),
    secrets: z.array(buildSecretSchema).default([]).describe('Build secrets, as secret mounts.'),
    builder: z.enum(['auto', 'docker', 'buildah']).default('auto').describe('auto: docker buildx when a daemon answers, else buildah (daemonless).'),
    labels: z.record(z.string(), z.string()).default({}).describe('Extra OCI labels (override the generated ones).'),
    tags: tagRulesSchema.default(tagRulesSchema.parse({})),
    cache: cacheSchema.default(cacheSchema.parse({})),
    prepare: z
      .enum(['auto', 'npm', 'none'])
      .default('auto')
      .describe('Context preparation on the host before the build: npm = npm ci --omit=dev into the context (no network at build time); auto = npm when the context has package-lock.json and the Dockerfile copies node_modules.'),
    reproducible: z.boolean().default(true).describe('Normalise file times in the context and the image timestamps to SOURCE_DATE_EPOCH (default: the commit time) so the same commit gives the same digest.'),
    push: pushConfigSchema.optional(),
    system_test: systemTestConfigSchema.optional(),
  })
  .describe('How the pipeline image is built, tested and pushed.');
export type ImageConfig = z.output<typeof imageConfigSchema>;
