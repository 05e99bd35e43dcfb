/**
 * `image.push` in dataops.yml: where the built image is pushed (by digest) and which tags follow it.
 * Without a registry (or with `registry: local`) the flow starts a loopback `docker-registry` and
 * pushes there, so the demo runs offline.
 */
import { z } from 'zod';

const tag = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'a tag is 1-128 of letters, digits, "_", "." and "-", not starting with "." or "-"');
const destination = z
  .string()
  .regex(/^[a-z0-9.-]+(?::\d+)?\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/, 'write registry-host[:port]/repository, without tag or digest');

export const pushConfigSchema = z
  .strictObject({
    registry: z
      .string()
      .min(1)
      .optional()
      .describe('Registry host[:port] (ghcr.io, europe-west1-docker.pkg.dev…), or "local" to start a loopback docker-registry (the default when nothing is set).'),
    repository: z.string().min(1).optional().describe('Repository path within the registry. Default: the project name.'),
    destinations: z
      .array(destination)
      .optional()
      .describe('Several registry/repository destinations to push the same digest to (instead of registry + repository).'),
    tags: z.array(tag).optional().describe('Tags applied after the digest is verified at every destination. Default: the tags the build produced.'),
    insecure: z.boolean().default(false).describe('Talk plain HTTP to the registry (loopback registries only).'),
    retry_budget_seconds: z.number().int().min(1).max(3600).default(300).describe('Total time budget for retries of one push, in seconds.'),
  })
  .describe('Registry push settings.');
export type PushConfig = z.output<typeof pushConfigSchema>;
