/**
 * `dataops promote`: the production side of a signed promotion, and its publishing side.
 * - `dataops promote [--message file|-] [--approve]`: verify one message (or pull one from the
 *   subscription), show its evidence, ask for confirmation on a terminal, deploy the same digest.
 * - `dataops promote publish --image name@sha256:… …`: sign (Ed25519 key from the environment) and send.
 * - `dataops promote listen`: pull the subscription and promote every message (the pull counterpart of the pubsub-bridge).
 * - `dataops promote keygen`: a new Ed25519 key pair for signing mode key.
 * Exit 0 deployed or already deployed; 1 a message failed or was left undeployed (registry
 * unreachable, declined; listen: any message released or dead-lettered); 2 refused or
 * configuration error; 70 bug.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { gitHeadSha } from '../../core/deploy/local.ts';
import { ConfigError } from '../../core/errors.ts';
import { loadProject } from '../../core/project.ts';
import { listenForPromotions, projectPromotionConfig, promoteMessage } from '../../core/promotion/consumer.ts';
import { PromotionFailed } from '../../core/promotion/errors.ts';
import { generateKeyPair } from '../../core/promotion/keys.ts';
import { createPromotionEvent } from '../../core/promotion/message.ts';
import type { PromoteResult } from '../../core/promotion/promote.ts';
import { parseEvidence, sendPromotion, signingKeyFromEnv, sourceIdentity } from '../../core/promotion/runtime.ts';
import { signWithKey } from '../../core/promotion/sign.ts';
import { checkEvidence } from '../../core/promotion/verify.ts';
import { unwrapPromotion } from '../../core/promotion/transport/dispatch.ts';
import { action, EXIT } from '../errors.ts';
import { color, confirm, progress } from '../ui.ts';
import { cliRunner } from '../context.ts';
import { cliGitHub } from '../github.ts';

const collect = (v: string, prev: string[]) => [...prev, v];

async function readMessage(file: string): Promise<unknown> {
  const text = file === '-' ? await new Promise<string>((resolve, reject) => {
    let s = '';
    process.stdin.setEncoding('utf8').on('data', (c: string) => (s += c)).on('end', () => resolve(s)).on('error', reject);
  }) : await readFile(file, 'utf8').catch((err: unknown) => {
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`, { location: { field: '--message' } });
  });
  return unwrapPromotion(text); // the verifier reports anything else as "malformed"
}

const approver = (auto: boolean) => async (_v: unknown, summary: string) => {
  progress(summary);
  if (auto) return true;
  return confirm(`Deploy to production?`);
};

function report(r: PromoteResult, json: boolean): void {
  if (json) {
    const { verified, ...rest } = r;
    process.stdout.write(JSON.stringify({ ...rest, signer: verified.identity, mode: verified.mode }, null, 2) + '\n');
    return;
  }
  process.stdout.write(`${r.status === 'duplicate' ? color.yellow('ALREADY DEPLOYED') : color.green('DEPLOYED')} ${r.image}${r.deploymentId !== undefined ? ` (deployment ${r.deploymentId})` : ''} — promotion ${r.eventId}\n`);
  if (r.running) process.stdout.write(`  ${color.yellow('production now runs another digest:')} ${r.running.image} (deployment ${r.running.deploymentId}${r.running.eventId ? `, promotion ${r.running.eventId}` : ''}); this replay deployed nothing\n`);
}

/** Whether the production gate can open: --approve, a person on a terminal, or nothing. */
const gateOf = (approve: boolean): 'approved' | 'prompt' | 'closed' => (approve ? 'approved' : process.stdin.isTTY ? 'prompt' : 'closed');

export function register(command: Command): void {
  const promote = command
    // options before a subcommand name belong to `promote`, after it to the subcommand: `promote listen --approve` reaches listen
    .enablePositionalOptions()
    .option('-p, --project <dir|file>', 'project directory or dataops.yml', '.')
    .option('-m, --message <file>', 'signed message file (CloudEvent JSON or a repository_dispatch client_payload; - for stdin). Default: pull one from the subscription')
    .option('--approve', 'approve without asking (scripts, and the gated production job on GitHub)', false)
    .option('--json', 'print the result as JSON', false)
    .action(
      action('promote', async (opts: { project: string; message?: string; approve: boolean; json: boolean }) => {
        const runner = cliRunner();
        const project = await loadProject(opts.project, { workspace: runner.workspace });
        const github = cliGitHub();
        const approve = approver(opts.approve);
        const log = (l: string) => progress(color.dim(l));
        if (!opts.message) {
          let result: PromoteResult | undefined;
          const stats = await listenForPromotions(project, { approve, gate: gateOf(opts.approve), github, runner, serverUrl: runner.github.serverUrl, log, maxMessages: 1, timeoutMs: 30_000, onResult: (r) => (result = r) });
          if (result) return report(result, opts.json);
          const cfg = projectPromotionConfig(project);
          throw new ConfigError(stats.received === 0 ? `no promotion message arrived on ${cfg.transport.pubsub.subscription} within 30 s` : 'the pulled promotion was not deployed (see above)', { fix: 'Pass --message <file>, or publish one first.' });
        }
        const message = await readMessage(opts.message);
        try {
          report(await promoteMessage(project, message, { approve, github, runner, serverUrl: runner.github.serverUrl, log }), opts.json);
        } catch (err) {
          // a registry that cannot be reached is worth another try later: exit 1, not a bug
          if (!(err instanceof PromotionFailed)) throw err;
          progress(`dataops promote: ${color.red('failed')}: ${err.message}`);
          process.exitCode = EXIT.failed;
        }
      }),
    );
  // a subcommand's own --project wins; else the one given before the subcommand name
  const projectOption = (own?: string) => own ?? promote.opts<{ project: string }>().project;
  const PROJECT_HELP = 'project directory or dataops.yml (default: the one given to promote, else .)';

  promote
    .command('publish')
    .description('Sign a promotion message for a staged digest and send it (Pub/Sub or repository_dispatch)')
    .requiredOption('-i, --image <ref>', 'the staged image by digest, registry/repository@sha256:…')
    .option('--staging-deployment-id <id>', 'GitHub deployment id (or local record id) of the staging deployment')
    .option('--staging-url <url>', 'staging environment URL')
    .option('--evidence <kind:name=status[=sha256]>', 'evidence (repeatable)', collect, [])
    .option('--rollback', 'a deliberate rollback to an older digest', false)
    .option('--transport <type>', 'gcp-pubsub or github-dispatch (default: promotion.transport.type)')
    .option('--create-topology', 'create the topic and subscriptions when missing (emulator, first run)', false)
    .option('-o, --out <file>', 'also write the signed message to this file')
    .option('-p, --project <dir|file>', PROJECT_HELP)
    .action(
      action('promote publish', async (opts: { project?: string; image: string; stagingDeploymentId?: string; stagingUrl?: string; evidence: string[]; rollback: boolean; transport?: string; createTopology: boolean; out?: string }) => {
        const project = await loadProject(projectOption(opts.project), { workspace: cliRunner().workspace });
        const cfg = projectPromotionConfig(project);
        if (opts.transport && opts.transport !== 'gcp-pubsub' && opts.transport !== 'github-dispatch') throw new ConfigError(`unknown transport "${opts.transport}"`, { location: { field: '--transport' }, fix: 'Use gcp-pubsub or github-dispatch.' });
        if (cfg.signing.mode === 'sigstore') throw new ConfigError('signing mode sigstore runs in GitHub Actions only (it needs the job OIDC token)', { location: { file: project.file, field: 'promotion.signing.mode' }, fix: 'Use the publish-promotion action, or mode key with DATAOPS_PROMOTION_PRIVATE_KEY locally.' });
        const runner = cliRunner();
        const key = signingKeyFromEnv(cfg, runner.env);
        const id = sourceIdentity(runner, undefined, await gitHeadSha(project.dir));
        const event = createPromotionEvent({
          pipeline: project.config.name,
          environment: cfg.environment,
          image: opts.image,
          rollback: opts.rollback,
          source: id.source,
          sourceUrl: id.repositoryUrl,
          run: id.run,
          staging: { environment: cfg.staging_environment, ...(opts.stagingDeploymentId ? { deployment_id: Number(opts.stagingDeploymentId) } : {}), ...(opts.stagingUrl ? { url: opts.stagingUrl } : {}) },
          evidence: parseEvidence(opts.evidence),
          expiresInSeconds: cfg.expires_in_seconds,
        });
        // the evidence policy is checked here too: a failing report is never published
        checkEvidence(event.data.evidence, cfg.policy.require);
        const signed = await signWithKey(event, key);
        if (opts.out) {
          await mkdir(path.dirname(path.resolve(opts.out)), { recursive: true });
          await writeFile(opts.out, JSON.stringify(signed, null, 2) + '\n');
        }
        const transport = (opts.transport as 'gcp-pubsub' | 'github-dispatch' | undefined) ?? cfg.transport.type;
        const github = cliGitHub();
        const sent = await sendPromotion(signed, { ...cfg, transport: { ...cfg.transport, type: transport } }, {
          createTopology: opts.createTopology,
          pubsub: { workspace: runner.workspace, emulatorHost: runner.pubsubEmulatorHost },
          ...(github ? { github: { api: github.api, repository: `${github.owner}/${github.repo}` } } : {}),
        });
        process.stdout.write(`${JSON.stringify({ event_id: signed.id, message_id: sent.messageId ?? null, transport: sent.transport })}\n`);
      }),
    );

  promote
    .command('listen')
    .description('Pull the promotion subscription and promote each message (refused ones go to the dead-letter topic)')
    .option('--approve', 'approve every verified message (run inside a gated job)', false)
    .option('--max-messages <n>', 'stop after this many handled messages')
    .option('--timeout <seconds>', 'stop after this long')
    .option('--create-topology', 'create the topic and subscriptions when missing (emulator, first run)', false)
    // the name of earlier versions, kept working
    .addOption(new Option('--create').hideHelp())
    .option('-p, --project <dir|file>', PROJECT_HELP)
    .action(
      action('promote listen', async (opts: { project?: string; approve: boolean; maxMessages?: string; timeout?: string; createTopology: boolean; create?: boolean }) => {
        const project = await loadProject(projectOption(opts.project), { workspace: cliRunner().workspace });
        const controller = new AbortController();
        process.once('SIGINT', () => controller.abort());
        process.once('SIGTERM', () => controller.abort());
        const stats = await listenForPromotions(project, {
          approve: approver(opts.approve),
          gate: gateOf(opts.approve),
          github: cliGitHub(),
          runner: cliRunner(),
          log: (l) => progress(color.dim(l)),
          signal: controller.signal,
          create: opts.createTopology || opts.create === true,
          ...(opts.maxMessages ? { maxMessages: Number(opts.maxMessages) } : {}),
          ...(opts.timeout ? { timeoutMs: Number(opts.timeout) * 1000 } : {}),
          onResult: (r) => report(r, false),
        });
        progress(`received ${stats.received}, acked ${stats.acked}, released ${stats.nacked} (they stay on the subscription), dead-lettered ${stats.deadLettered}`);
        // a message left undeployed (released to retry later, or refused) is not a success
        if (stats.nacked + stats.deadLettered > 0) process.exitCode = EXIT.failed;
      }),
    );

  promote
    .command('keygen')
    .description('Create an Ed25519 key pair for signing mode key (private JWK → a secret; public JWKS → the consumer)')
    .option('--kid <id>', 'key id', 'dataops-promotion-1')
    .option('-o, --out <dir>', 'directory to write private.jwk.json and public.jwks.json', '.dataops/promotion-keys')
    .action(
      action('promote keygen', async (opts: { kid: string; out: string }) => {
        const pair = generateKeyPair(opts.kid);
        await mkdir(opts.out, { recursive: true, mode: 0o700 });
        await writeFile(path.join(opts.out, 'private.jwk.json'), JSON.stringify(pair.privateJwk) + '\n', { mode: 0o600 });
        await writeFile(path.join(opts.out, 'public.jwks.json'), JSON.stringify({ keys: [pair.publicJwk] }, null, 2) + '\n');
        process.stdout.write(`${path.join(opts.out, 'private.jwk.json')} (secret: DATAOPS_PROMOTION_PRIVATE_KEY)\n${path.join(opts.out, 'public.jwks.json')} (DATAOPS_PROMOTION_PUBLIC_KEYS or promotion.signing.public_keys_file)\n`);
      }),
    );
}
