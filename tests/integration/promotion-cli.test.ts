/** `dataops promote keygen | publish | listen | promote` as a user runs them (real emulator, registry, GitOps). */
import { execFile } from 'node:child_process';
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
});
