/**
 * pubsub-bridge server: configuration from the environment (Cloud Run sets PORT):
 * BRIDGE_AUDIENCE, BRIDGE_ALLOWED_EMAILS (comma-separated), DATAOPS_PROJECT (dataops.yml with the
 * promotion policy, default ./dataops.yml), DATAOPS_PROMOTION_PUBLIC_KEYS (mode key) or
 * SIGSTORE_TRUSTED_ROOT (file, mode sigstore), GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY,
 * GITHUB_APP_INSTALLATION_ID, DISPATCH_REPOSITORY, DISPATCH_EVENT_TYPE, and GITHUB_API_URL for a
 * GitHub Enterprise Server.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { loadProject } from '../../../src/core/project.ts';
import { requirePinnedPolicy } from '../../../src/core/promotion/config.ts';
import { projectPromotionConfig } from '../../../src/core/promotion/consumer.ts';
import { trustedKeys } from '../../../src/core/promotion/runtime.ts';
import { runnerContext } from '../../../src/core/runner-context.ts';
import { sigstoreVerifier } from '../../../src/core/promotion/sigstore.ts';
import { createBridge } from './bridge.ts';

const need = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`pubsub-bridge: ${name} is not set`);
  return v;
};

const runner = runnerContext();
const project = await loadProject(process.env.DATAOPS_PROJECT ?? 'dataops.yml');
const cfg = projectPromotionConfig(project);
// a policy trusting GitHub identities without pinned repository/owner ids is refused before serving
requirePinnedPolicy(cfg.policy, project.file);
const sigstoreRoot = process.env.SIGSTORE_TRUSTED_ROOT;
const handler = createBridge({
  audience: need('BRIDGE_AUDIENCE'),
  allowedEmails: need('BRIDGE_ALLOWED_EMAILS').split(',').map((s) => s.trim()).filter(Boolean),
  verify: {
    policy: cfg.policy,
    pipeline: project.config.name,
    environment: cfg.environment,
    ...(sigstoreRoot ? { sigstore: sigstoreVerifier(JSON.parse(await readFile(sigstoreRoot, 'utf8'))) } : { keys: await trustedKeys(cfg, project.dir, { env: runner.env }) }),
  },
  github: {
    appId: need('GITHUB_APP_ID'),
    privateKey: need('GITHUB_APP_PRIVATE_KEY'),
    installationId: Number(need('GITHUB_APP_INSTALLATION_ID')),
    repository: need('DISPATCH_REPOSITORY'),
    eventType: process.env.DISPATCH_EVENT_TYPE ?? cfg.transport.dispatch.event_type,
    apiUrl: runner.github.apiUrl,
  },
});
const port = Number(process.env.PORT ?? 8080);
createServer(handler).listen(port, () => process.stdout.write(JSON.stringify({ severity: 'INFO', event: 'listening', port }) + '\n'));
