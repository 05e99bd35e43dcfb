/** `dataops promote keygen | publish | listen | promote` as a user runs them (real emulator, registry, GitOps). */
import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createGitOpsRepository } from '../../src/core/deploy/bootstrap.ts';
import { deployConfigSchema } from '../../src/core/deploy/config.ts';
import { deploy } from '../../src/core/deploy/deploy.ts';
import { LocalDeploymentLog } from '../../src/core/deploy/deployments.ts';
import { pushImage } from '../../src/core/registry/push.ts';
import { loadProject } from '../../src/core/project.ts';
import { makeLayout } from '../helpers/oci-layout.ts';
import { gitopsProjectYaml } from '../helpers/promotion.ts';
import { useRegistry } from '../helpers/registry.ts';

const CLI = path.resolve(import.meta.dirname, '../../src/cli/main.ts');
const TEMPLATE = path.resolve(import.meta.dirname, '../../templates/example-pipeline/deploy');
const reg = useRegistry();
let tmp: string;

beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'promotion-cli-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [CLI, ...args], { cwd: tmp, env: { ...process.env, GITHUB_TOKEN: '', GITHUB_ACTIONS: '', PUBSUB_EMULATOR_HOST: inject('pubsubEmulatorHost'), ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe.skipIf(!inject('pubsubEmulatorHost'))('dataops promote', () => {
  it('keygen → publish → promote --message --approve deploys the digest; a tampered copy exits 2', async () => {
    const bare = path.join(tmp, 'gitops.git');
    await createGitOpsRepository(bare, TEMPLATE);
    const n = randomUUID().slice(0, 8);
    await writeFile(
      path.join(tmp, 'dataops.yml'),
      gitopsProjectYaml(bare, [
        '  signing: { public_keys_file: keys/public.jwks.json }',
        '  policy: { issuers: [local] }',
        `  transport: { pubsub: { project: dataops-test, topic: cli-${n}, subscription: cli-${n}-prod, dead_letter_topic: cli-${n}-dlq } }`,
      ]),
    );
    const keygen = await cli(['promote', 'keygen', '-o', 'keys']);
    expect(keygen.code, keygen.stderr).toBe(0);
    const privateKey = await readFile(path.join(tmp, 'keys/private.jwk.json'), 'utf8');

    const layout = await makeLayout({ layerSizes: [5_000], label: n });
    await pushImage({ layoutDir: layout.dir, digest: layout.digest, destinations: [`${reg.host}/flights-routes`] });
    await rm(layout.dir, { recursive: true, force: true });
    const image = `${reg.host}/flights-routes@${layout.digest}`;
    const project = await loadProject(tmp);
    const deployCfg = deployConfigSchema.parse(project.config.deploy);
    const staged = await deploy({ environment: 'staging', image, config: deployCfg, baseDir: tmp, name: 'flights-routes', source: { sha: 'c'.repeat(40) }, recorder: new LocalDeploymentLog(path.join(tmp, deployCfg.deployments_log)) });

    const pub = await cli(['promote', 'publish', '-p', tmp, '-i', image, '--staging-deployment-id', String(staged.deploymentId), '--evidence', `quality:flights=passed=sha256:${'d'.repeat(64)}`, '--evidence', 'system-test:system-test=pass', '--evidence', 'verify:verify=passed', '--create-topology', '-o', 'message.json'], { DATAOPS_PROMOTION_PRIVATE_KEY: privateKey });
    expect(pub.code, pub.stderr).toBe(0);
    const sent = JSON.parse(pub.stdout) as { event_id: string; message_id: string; transport: string };
    expect(sent).toMatchObject({ transport: 'gcp-pubsub' });
    expect(sent.message_id).toBeTruthy();

    const message = JSON.parse(await readFile(path.join(tmp, 'message.json'), 'utf8')) as { data: { image: string } };
    await writeFile(path.join(tmp, 'tampered.json'), JSON.stringify({ ...message, data: { ...message.data, image: message.data.image.replace(/@sha256:(.)/, (_m, c: string) => `@sha256:${c === 'f' ? '0' : 'f'}`) } }));
    const refused = await cli(['promote', '-p', tmp, '--message', 'tampered.json', '--approve']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/promotion refused \(bad-signature\)/);

    const noTty = await cli(['promote', '-p', tmp, '--message', 'message.json']);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toMatch(/approval-required/);

    const ok = await cli(['promote', '-p', tmp, '--message', 'message.json', '--approve', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'deployed', eventId: sent.event_id, digest: layout.digest });
    expect(ok.stderr).toContain('evidence: quality flights: passed');

    // the copy published to Pub/Sub is the same promotion: listen acks it as a duplicate
    const listen = await cli(['promote', 'listen', '-p', tmp, '--approve', '--max-messages', '1', '--timeout', '30']);
    expect(listen.code, listen.stderr).toBe(0);
    expect(listen.stdout).toContain('ALREADY DEPLOYED');
    expect(await new LocalDeploymentLog(path.join(tmp, deployCfg.deployments_log)).list('production')).toHaveLength(1);
  });

  it('standalone, without an emulator or Google credentials: one configuration line (exit 2); a local message names promotion.policy.issuers; no keys, no listening', async () => {
    execFileSync('git', ['init', '-q', tmp]);
    execFileSync('git', ['-C', tmp, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'first']);
    const head = execFileSync('git', ['-C', tmp, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const n = randomUUID().slice(0, 8);
    const pinned = '  policy: { repository: octo/birds, repository_id: 11, repository_owner_id: 22 }';
    const transport = `  transport: { pubsub: { project: dataops-test, topic: solo-${n}, subscription: solo-${n}-prod, dead_letter_topic: solo-${n}-dlq } }`;
    await writeFile(path.join(tmp, 'dataops.yml'), gitopsProjectYaml(path.join(tmp, 'gitops.git'), ['  signing: { public_keys_file: keys/public.jwks.json }', pinned, transport]));
    expect((await cli(['promote', 'keygen', '-o', 'keys'])).code).toBe(0);
    const privateKey = await readFile(path.join(tmp, 'keys/private.jwk.json'), 'utf8');
    // no emulator, no credentials (no ADC file, no metadata server probe)
    const offline = { PUBSUB_EMULATOR_HOST: '', GOOGLE_APPLICATION_CREDENTIALS: '', CLOUDSDK_CONFIG: path.join(tmp, 'gcloud'), METADATA_SERVER_DETECTION: 'none', DATAOPS_PROMOTION_PRIVATE_KEY: privateKey };
    const image = `127.0.0.1:5000/flights-routes@sha256:${'a'.repeat(64)}`;
    const evidence = ['--evidence', 'quality:flights=pass', '--evidence', 'system-test:system-test=pass', '--evidence', 'verify:verify=pass'];
    const pub = await cli(['promote', 'publish', '-i', image, ...evidence, '-o', 'message.json'], offline);
    expect(pub.code, pub.stderr).toBe(2);
    expect(pub.stderr.trim().split('\n'), pub.stderr).toHaveLength(1);
    expect(pub.stderr).toMatch(/configuration error: PUBSUB_EMULATOR_HOST: no Pub\/Sub emulator .* and no Google credentials/);
    expect(pub.stderr).toContain('--create-topology');
    expect(pub.stderr).not.toMatch(/internal error|\n\s+at /);
    // the signed message was written before sending: it carries the work tree's commit, issuer local
    const message = JSON.parse(await readFile(path.join(tmp, 'message.json'), 'utf8')) as { data: { source: { sha: string; issuer: string } } };
    expect(message.data.source).toMatchObject({ sha: head, issuer: 'local' });
    const refused = await cli(['promote', '--message', 'message.json', '--approve']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/wrong-issuer.*issuer "local" is not in promotion\.policy\.issuers \(https:\/\/token\.actions\.githubusercontent\.com\).*add it to promotion\.policy\.issuers/);
    // a consumer without trusted keys refuses to start: nothing is pulled (and nacked until dead-lettered)
    await writeFile(path.join(tmp, 'dataops.yml'), gitopsProjectYaml(path.join(tmp, 'gitops.git'), [pinned, transport]));
    const listen = await cli(['promote', 'listen', '--approve', '--create-topology', '--timeout', '5'], { DATAOPS_PROMOTION_PUBLIC_KEYS: '' });
    expect(listen.code).toBe(2);
    expect(listen.stderr).toMatch(/no trusted promotion keys/);
    expect(listen.stderr).not.toMatch(/received \d/);
  });
});
