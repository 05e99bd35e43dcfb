/**
 * Stand-ins for the third-party actions our workflows use, for the workflow harness
 * (tests/helpers/workflow-harness.ts). Each replaces one action with a small local implementation of
 * the part our workflows rely on, with the action's input names and defaults, and fails the way the
 * action fails where a test needs that failure:
 * - `actions/checkout` — fetches the event's commit from the consumer repository (a local git
 *   repository standing in for github.com) into the workspace; `persist-credentials` writes the
 *   `http.<server>/.extraheader` the real action writes;
 * - `actions/upload-artifact`, `actions/download-artifact` — a directory per artifact name in the
 *   run's artifact store; v4's 409 on a duplicate name, "Artifact not found for name", hidden
 *   files excluded by default, `if-no-files-found`;
 * - `github/codeql-action/upload-sarif` — gzip+base64 upload to the fake GitHub's
 *   `PUT /repos/{o}/{r}/code-scanning/analysis`; a 403/404 fails the step with GitHub's message
 *   after a warning, as the action does (src/upload-lib.ts, uploadPayload);
 * - `google-github-actions/auth` — Workload Identity Federation: requests the job's OIDC token (fails
 *   without `id-token: write` with the action's message), writes an `external_account` credentials
 *   file into the workspace and exports GOOGLE_APPLICATION_CREDENTIALS and the project variables;
 *   `token_format: access_token` gives a fake access token (nothing here talks to Google);
 * - `actions/create-github-app-token` — checks `app-id` (or `client-id`) and `private-key` are given
 *   and outputs a fake installation token (nothing talks to GitHub; the git server accepts only
 *   the tokens it was started with);
 * - `docker/setup-buildx-action` — selects a `docker-container` builder in the runner's docker
 *   stand-in (see {@link writeDockerStub}).
 * Versions (the pinned SHA) are recorded but not checked out: the stand-in is the same for every version.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import type { StandIn, StandInContext } from './composite-harness.ts';

/** What the stand-ins need from the run. */
export interface StandInEnv {
  /** Git work tree of the consumer repository (what github.com would serve). */
  repoDir: string;
  /** The run's artifact store: one directory per artifact name. */
  artifactsDir: string;
}

const git = (args: string[], cwd?: string) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }).trim();

function requireEnv(ctx: StandInContext, name: string): string {
  const v = ctx.env[name];
  if (!v) throw new Error(`stand-in: ${name} is not set in the step's environment`);
  return v;
}

/** Files under `dir` (relative paths), hidden files and directories skipped unless `hidden`. */
async function listFiles(dir: string, hidden: boolean, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    if (!hidden && e.name.startsWith('.')) continue;
    const rel = path.join(prefix, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(dir, hidden, rel)));
    else out.push(rel);
  }
  return out;
}

/** The inputs of actions/checkout v4 and their defaults. */
const CHECKOUT_INPUTS: StandIn['inputs'] = {
  repository: { default: '${{ github.repository }}' },
  ref: { default: '' },
  token: { default: '${{ github.token }}' },
  'ssh-key': {},
  'ssh-known-hosts': {},
  'ssh-strict': { default: 'true' },
  'ssh-user': { default: 'git' },
  'persist-credentials': { default: 'true' },
  path: { default: '' },
  clean: { default: 'true' },
  filter: {},
  'sparse-checkout': {},
  'sparse-checkout-cone-mode': { default: 'true' },
  'fetch-depth': { default: '1' },
  'fetch-tags': { default: 'false' },
  'show-progress': { default: 'true' },
  lfs: { default: 'false' },
  submodules: { default: 'false' },
  'set-safe-directory': { default: 'true' },
  'github-server-url': {},
};

/** The stand-ins of one run, by the `owner/repo[/path]` part of `uses:`. */
export function standIns(env: StandInEnv): Record<string, StandIn> {
  return {
    'actions/checkout': {
      name: 'actions/checkout (stand-in: fetch from the local consumer repository)',
      inputs: CHECKOUT_INPUTS,
      async run(ctx) {
        const repository = ctx.inputs.repository!;
        if (repository !== ctx.env.GITHUB_REPOSITORY) return { ok: false, error: `checkout stand-in: only the repository under test (${ctx.env.GITHUB_REPOSITORY}) can be checked out, not ${repository}` };
        const dest = path.resolve(ctx.workspace, ctx.inputs.path ?? '');
        if (ctx.inputs.clean === 'true') await rm(dest, { recursive: true, force: true });
        await mkdir(dest, { recursive: true });
        const sha = ctx.inputs.ref ? git(['rev-parse', `${ctx.inputs.ref}^{commit}`], env.repoDir) : requireEnv(ctx, 'GITHUB_SHA');
        const server = ctx.env.GITHUB_SERVER_URL ?? 'https://github.com';
        const depth = Number(ctx.inputs['fetch-depth'] ?? '1');
        // what actions/checkout does: init, origin = the server URL, fetch the one commit (shallow), check out
        git(['config', 'uploadpack.allowAnySHA1InWant', 'true'], env.repoDir);
        git(['init', '--quiet', dest]);
        git(['remote', 'add', 'origin', `${server}/${repository}`], dest);
        git(['-c', 'protocol.file.allow=always', 'fetch', '--quiet', '--no-tags', ...(depth > 0 ? [`--depth=${depth}`] : []), `file://${env.repoDir}`, sha], dest);
        const ref = ctx.env.GITHUB_REF ?? '';
        if (!ctx.inputs.ref && ref.startsWith('refs/heads/')) git(['checkout', '--quiet', '--force', '-B', ref.slice('refs/heads/'.length), sha], dest);
        else git(['checkout', '--quiet', '--force', '--detach', sha], dest);
        if (ctx.inputs['persist-credentials'] === 'true') {
          const basic = Buffer.from(`x-access-token:${ctx.inputs.token ?? ''}`).toString('base64');
          git(['config', '--local', `http.${server}/.extraheader`, `AUTHORIZATION: basic ${basic}`], dest);
        }
        ctx.log(`checked out ${repository}@${sha} into ${dest} (stand-in)`);
        return { ok: true, outputs: { ref: ctx.inputs.ref || ref, commit: sha } };
      },
    },
    'actions/upload-artifact': {
      name: 'actions/upload-artifact (stand-in: a directory in the run’s artifact store)',
      inputs: {
        name: { default: 'artifact' },
        path: { required: true },
        'if-no-files-found': { default: 'warn' },
        'retention-days': { default: '0' },
        'compression-level': { default: '6' },
        overwrite: { default: 'false' },
        'include-hidden-files': { default: 'false' },
      },
      async run(ctx) {
        const name = ctx.inputs.name!;
        const dest = path.join(env.artifactsDir, name);
        if (existsSync(dest) && ctx.inputs.overwrite !== 'true') return { ok: false, error: 'Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: an artifact with this name already exists on the workflow run' };
        const sources = (ctx.inputs.path ?? '').split('\n').map((p) => p.trim()).filter(Boolean);
        if (sources.some((s) => /[*?[]/.test(s) || s.startsWith('!'))) return { ok: false, error: 'upload-artifact stand-in: glob paths are not modelled; give directories or files' };
        const hidden = ctx.inputs['include-hidden-files'] === 'true';
        const files: Array<{ from: string; rel: string }> = [];
        for (const s of sources) {
          const abs = path.resolve(ctx.workspace, s);
          if (!existsSync(abs)) continue;
          // one directory: its contents go to the artifact root (the least common ancestor), as v4 does
          if ((await stat(abs)).isDirectory()) for (const rel of await listFiles(abs, hidden)) files.push({ from: path.join(abs, rel), rel: sources.length === 1 ? rel : path.join(path.basename(abs), rel) });
          else if (hidden || !path.basename(abs).startsWith('.')) files.push({ from: abs, rel: path.basename(abs) });
        }
        if (files.length === 0) {
          const message = `No files were found with the provided path: ${sources.join(', ')}. No artifacts will be uploaded.`;
          if (ctx.inputs['if-no-files-found'] === 'error') return { ok: false, error: message };
          if (ctx.inputs['if-no-files-found'] === 'warn') ctx.log(`::warning::${message}`);
          return { ok: true };
        }
        await rm(dest, { recursive: true, force: true });
        const hash = createHash('sha256');
        for (const f of files.sort((a, b) => a.rel.localeCompare(b.rel))) {
          await mkdir(path.dirname(path.join(dest, f.rel)), { recursive: true });
          await cp(f.from, path.join(dest, f.rel));
          hash.update(f.rel).update(await readFile(f.from));
        }
        ctx.log(`uploaded ${files.length} files as artifact ${name} (stand-in)`);
        const id = String((await readdir(env.artifactsDir)).length);
        return { ok: true, outputs: { 'artifact-id': id, 'artifact-url': `${ctx.env.GITHUB_SERVER_URL}/${ctx.env.GITHUB_REPOSITORY}/actions/runs/${ctx.env.GITHUB_RUN_ID}/artifacts/${id}`, 'artifact-digest': hash.digest('hex') } };
      },
    },
    'actions/download-artifact': {
      name: 'actions/download-artifact (stand-in: copy from the run’s artifact store)',
      inputs: {
        name: {},
        'artifact-ids': {},
        path: {},
        pattern: {},
        'merge-multiple': { default: 'false' },
        'github-token': {},
        repository: { default: '${{ github.repository }}' },
        'run-id': { default: '${{ github.run_id }}' },
      },
      async run(ctx) {
        const name = ctx.inputs.name;
        if (!name) return { ok: false, error: 'download-artifact stand-in: only downloads by name are modelled' };
        const src = path.join(env.artifactsDir, name);
        if (!existsSync(src)) return { ok: false, error: `Unable to download artifact(s): Artifact not found for name: ${name}\n        Please ensure that your artifact is not expired and the artifact was uploaded using a compatible version of toolkit/upload-artifact.\n        For more information, visit the GitHub Artifacts FAQ: https://github.com/actions/toolkit/blob/main/packages/artifact/docs/faq.md` };
        const dest = path.resolve(ctx.workspace, ctx.inputs.path || '.');
        await mkdir(dest, { recursive: true });
        await cp(src, dest, { recursive: true });
        ctx.log(`downloaded artifact ${name} to ${dest} (stand-in)`);
        return { ok: true, outputs: { 'download-path': dest } };
      },
    },
    'github/codeql-action/upload-sarif': {
      name: 'github/codeql-action/upload-sarif (stand-in: upload to the fake GitHub)',
      inputs: {
        sarif_file: { default: '../results' },
        checkout_path: { default: '${{ github.workspace }}' },
        ref: {},
        sha: {},
        token: { default: '${{ github.token }}' },
        matrix: { default: '${{ toJson(matrix) }}' },
        category: {},
        'wait-for-processing': { default: 'true' },
      },
      async run(ctx) {
        const file = path.resolve(ctx.workspace, ctx.inputs.sarif_file!);
        if (!existsSync(file)) return { ok: false, error: `Path does not exist: ${file}` };
        const files = (await stat(file)).isDirectory() ? (await listFiles(file, true)).filter((f) => f.endsWith('.sarif')).map((f) => path.join(file, f)) : [file];
        if (files.length === 0) return { ok: false, error: `No SARIF files found to upload in "${file}".` };
        const runs: unknown[] = [];
        for (const f of files) {
          const sarif = JSON.parse(await readFile(f, 'utf8')) as { runs?: unknown[] };
          if (!Array.isArray(sarif.runs)) return { ok: false, error: "Invalid SARIF. Missing 'runs' array." };
          runs.push(...sarif.runs.map((r) => (ctx.inputs.category ? { ...(r as object), automationDetails: { id: `${ctx.inputs.category.replace(/\/?$/, '/')}` } } : r)));
        }
        const payload = {
          commit_oid: ctx.inputs.sha || requireEnv(ctx, 'GITHUB_SHA'),
          ref: ctx.inputs.ref || requireEnv(ctx, 'GITHUB_REF'),
          analysis_key: `${ctx.env.GITHUB_WORKFLOW_REF ?? ''}:${ctx.env.GITHUB_JOB ?? ''}`,
          analysis_name: ctx.env.GITHUB_WORKFLOW,
          sarif: gzipSync(JSON.stringify({ version: '2.1.0', runs })).toString('base64'),
          workflow_run_id: Number(ctx.env.GITHUB_RUN_ID ?? 0),
          workflow_run_attempt: Number(ctx.env.GITHUB_RUN_ATTEMPT ?? 1),
          checkout_uri: `file://${ctx.inputs.checkout_path}`,
          environment: ctx.inputs.matrix,
          tool_names: runs.map((r) => (r as { tool?: { driver?: { name?: string } } }).tool?.driver?.name ?? ''),
        };
        const api = requireEnv(ctx, 'GITHUB_API_URL');
        const res = await fetch(`${api}/repos/${requireEnv(ctx, 'GITHUB_REPOSITORY')}/code-scanning/analysis`, { method: 'PUT', headers: { authorization: `token ${ctx.inputs.token}`, 'content-type': 'application/json' }, body: JSON.stringify(payload) });
        const body = (await res.json().catch(() => ({}))) as { id?: string; message?: string };
        if (!res.ok) {
          // the action warns with the API's message, then fails the step with it
          const message = body.message || (res.status === 403 ? 'The repo on which this action is running has not opted-in to CodeQL code scanning.' : 'The CodeQL code scanning feature is forbidden on this repository.');
          ctx.log(`::warning::${message}`);
          return { ok: false, error: message };
        }
        ctx.log(`uploaded SARIF ${body.id} (stand-in)`);
        return { ok: true, outputs: { 'sarif-id': body.id ?? '' } };
      },
    },
    'google-github-actions/auth': {
      name: 'google-github-actions/auth (stand-in: fake Workload Identity credentials)',
      inputs: {
        project_id: {},
        workload_identity_provider: {},
        service_account: {},
        audience: {},
        credentials_json: {},
        create_credentials_file: { default: 'true' },
        export_environment_variables: { default: 'true' },
        token_format: { default: '' },
        delegates: {},
        universe: { default: 'googleapis.com' },
        request_reason: {},
        cleanup_credentials: { default: 'true' },
        access_token_lifetime: { default: '3600s' },
        access_token_scopes: { default: 'https://www.googleapis.com/auth/cloud-platform' },
        access_token_subject: {},
        retries: { default: '3' },
        backoff: {},
        backoff_limit: {},
        id_token_audience: {},
        id_token_include_email: { default: 'false' },
      },
      async run(ctx) {
        const provider = ctx.inputs.workload_identity_provider;
        const serviceAccount = ctx.inputs.service_account ?? '';
        let credentials: Record<string, unknown>;
        let authToken = '';
        if (provider) {
          const url = ctx.env.ACTIONS_ID_TOKEN_REQUEST_URL;
          const bearer = ctx.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
          if (!url || !bearer) {
            return { ok: false, error: 'google-github-actions/auth failed with: gitHub Actions did not inject $ACTIONS_ID_TOKEN_REQUEST_TOKEN or $ACTIONS_ID_TOKEN_REQUEST_URL into this job. This most likely means the GitHub Actions workflow permissions are incorrect, or this job is being run from a fork. For more information, please see https://docs.github.com/en/actions/security-guides/automatic-token-authentication#permissions-for-the-github_token' };
          }
          const audience = ctx.inputs.audience || `https://iam.googleapis.com/${provider}`;
          const u = new URL(url);
          u.searchParams.set('audience', audience);
          const res = await fetch(u, { headers: { authorization: `Bearer ${bearer}` } });
          if (!res.ok) return { ok: false, error: `google-github-actions/auth failed with: failed to generate GitHub OIDC token: ${res.status}` };
          authToken = ((await res.json()) as { value: string }).value;
          credentials = {
            type: 'external_account',
            audience: `//iam.googleapis.com/${provider}`,
            subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
            token_url: 'https://sts.googleapis.com/v1/token',
            credential_source: { url: u.toString(), headers: { Authorization: `Bearer ${bearer}` }, format: { type: 'json', subject_token_field_name: 'value' } },
            ...(serviceAccount ? { service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${serviceAccount}:generateAccessToken` } : {}),
          };
        } else if (ctx.inputs.credentials_json) {
          credentials = JSON.parse(ctx.inputs.credentials_json) as Record<string, unknown>;
        } else {
          return { ok: false, error: 'google-github-actions/auth failed with: the GitHub Action workflow must specify exactly one of "workload_identity_provider" or "credentials_json"! If you are specifying input values via GitHub secrets, ensure the secret is being injected into the environment.' };
        }
        const project = ctx.inputs.project_id || /@([^.]+)\.iam\.gserviceaccount\.com$/.exec(serviceAccount)?.[1] || String(credentials.project_id ?? '');
        const outputs: Record<string, string> = { project_id: project, auth_token: authToken };
        const exportEnv: Record<string, string> = {};
        if (ctx.inputs.create_credentials_file === 'true') {
          const file = path.join(ctx.workspace, `gha-creds-${randomBytes(8).toString('hex')}.json`);
          await writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
          outputs.credentials_file_path = file;
          if (ctx.inputs.export_environment_variables === 'true') Object.assign(exportEnv, { CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE: file, GOOGLE_APPLICATION_CREDENTIALS: file, GOOGLE_GHA_CREDS_PATH: file });
        }
        if (project && ctx.inputs.export_environment_variables === 'true') Object.assign(exportEnv, { CLOUDSDK_CORE_PROJECT: project, CLOUDSDK_PROJECT: project, GCLOUD_PROJECT: project, GCP_PROJECT: project, GOOGLE_CLOUD_PROJECT: project });
        if (ctx.inputs.token_format === 'access_token') outputs.access_token = `ya29.harness-${randomBytes(12).toString('hex')}`;
        ctx.log(`authenticated as ${serviceAccount || 'the provider principal'} (stand-in; nothing contacts Google)`);
        return { ok: true, outputs, exportEnv };
      },
    },
    'actions/create-github-app-token': {
      name: 'actions/create-github-app-token (stand-in: a fake installation token)',
      inputs: {
        'app-id': {},
        'client-id': {},
        'private-key': {},
        owner: {},
        repositories: {},
        'skip-token-revoke': { default: 'false' },
        'github-api-url': {},
        'permission-contents': {},
        'permission-deployments': {},
        'permission-packages': {},
      },
      run(ctx) {
        if (!(ctx.inputs['app-id'] || ctx.inputs['client-id'])) return Promise.resolve({ ok: false, error: "Input required and not supplied: app-id" });
        if (!ctx.inputs['private-key']) return Promise.resolve({ ok: false, error: 'Input required and not supplied: private-key' });
        const owner = ctx.inputs.owner || (ctx.env.GITHUB_REPOSITORY ?? '').split('/')[0];
        ctx.log(`installation token for ${owner}/{${ctx.inputs.repositories || '(the current repository)'}} (stand-in; nothing contacts GitHub)`);
        return Promise.resolve({ ok: true, outputs: { token: `ghs_harness${randomBytes(16).toString('hex')}`, 'installation-id': '4242', 'app-slug': 'dataops-gitops' } });
      },
    },
    'docker/setup-buildx-action': {
      name: 'docker/setup-buildx-action (stand-in: selects a builder in the runner’s docker stub)',
      inputs: { version: {}, name: {}, driver: { default: 'docker-container' }, 'driver-opts': {}, 'buildkitd-flags': {}, 'buildkitd-config': {}, 'buildkitd-config-inline': {}, install: { default: 'false' }, use: { default: 'true' }, endpoint: {}, platforms: {}, append: {}, 'keep-state': { default: 'false' }, 'cache-binary': { default: 'true' }, cleanup: { default: 'true' } },
      async run(ctx) {
        const state = ctx.env.DOCKER_STUB_STATE;
        if (!state) return { ok: false, error: 'docker/setup-buildx-action stand-in: this runner has no docker (run it on a runner with the docker stub: writeDockerStub)' };
        const name = ctx.inputs.name || `builder-${randomBytes(6).toString('hex')}`;
        const driver = ctx.inputs.driver ?? 'docker-container';
        if (ctx.inputs.use === 'true') await writeFile(path.join(state, 'builder.json'), JSON.stringify({ name, driver }));
        ctx.log(`buildx builder ${name} (${driver}) created (stand-in)`);
        return { ok: true, outputs: { name, driver, platforms: 'linux/amd64', nodes: '[]', endpoint: '', status: 'running' } };
      },
    },
  };
}

/**
 * Writes a `docker` executable into `binDir` standing in for the docker CLI of a GitHub-hosted
 * runner whose daemon answers but has no buildx builder configured (only the `default` builder,
 * driver `docker`, classic image store): `docker info` and `docker version` answer like docker 28;
 * `docker buildx build` refuses `--cache-to` and OCI/tar `--output` with buildx's own messages
 * ("Cache export is not supported for the docker driver…", "OCI exporter is not supported for the
 * docker driver…"). After the setup-buildx stand-in selected a `docker-container` builder, builds
 * are delegated to buildah (the daemonless builder here) and written as the OCI layout asked for.
 * Anything else fails saying it is not modelled. `stateDir` keeps the selected builder
 * (DOCKER_STUB_STATE); buildah storage comes from DATAOPS_BUILDAH_ROOT.
 */
export async function writeDockerStub(binDir: string, stateDir: string): Promise<void> {
  await mkdir(binDir, { recursive: true });
  await mkdir(stateDir, { recursive: true });
  const script = `#!${process.execPath}
// docker CLI stand-in written by tests/helpers/workflow-standins.ts (writeDockerStub)
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(2);
const state = process.env.DOCKER_STUB_STATE || ${JSON.stringify(stateDir)};
const builderFile = path.join(state, 'builder.json');
const builder = fs.existsSync(builderFile) ? JSON.parse(fs.readFileSync(builderFile, 'utf8')) : { name: 'default', driver: 'docker' };
const out = (s) => process.stdout.write(s + '\\n');
const fail = (s) => { process.stderr.write(s + '\\n'); process.exit(1); };
const notSupported = (feature, docs) => fail('ERROR: failed to build: ' + feature + ' is not supported for the docker driver.\\nSwitch to a different driver, or turn on the containerd image store, and try again.\\nLearn more at ' + docs);
if (args[0] === 'info') { if (args.includes('--format') || args.some((a) => a.startsWith('--format='))) out('28.0.4'); else out('Server:\\n Server Version: 28.0.4\\n Storage Driver: overlay2'); process.exit(0); }
if (args[0] === 'version') { out('Client: Docker Engine - Community\\n Version: 28.0.4\\nServer: Docker Engine - Community\\n Version: 28.0.4'); process.exit(0); }
if (args[0] === 'buildx' && args[1] === 'version') { out('github.com/docker/buildx v0.29.1 a32761aeb3debd39be1eca514af3693af0db334b'); process.exit(0); }
if (args[0] === 'buildx' && (args[1] === 'ls' || args[1] === 'inspect')) { out('NAME/NODE     DRIVER/ENDPOINT   STATUS    BUILDKIT   PLATFORMS\\n' + builder.name + '*  ' + builder.driver + '   running   v0.23.2   linux/amd64'); process.exit(0); }
if (args[0] === 'buildx' && args[1] === 'build') {
  const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
  const all = (name) => args.flatMap((a, i) => (a === name ? [args[i + 1]] : []));
  const output = opt('--output') || '';
  if (builder.driver === 'docker') {
    if (all('--cache-to').some((c) => !/type=inline/.test(c))) notSupported('Cache export', 'https://docs.docker.com/go/build-cache-backends/');
    if (/type=(oci|tar)/.test(output)) notSupported('OCI exporter', 'https://docs.docker.com/go/build-exporters/');
    fail('docker stub: building into the image store is not modelled');
  }
  const root = process.env.DATAOPS_BUILDAH_ROOT;
  if (!root) fail('docker stub: DATAOPS_BUILDAH_ROOT is not set (the docker-container builder is delegated to buildah)');
  const dest = /dest=([^,]+)/.exec(output);
  if (!/type=oci/.test(output) || !dest) fail('docker stub: only --output type=oci,dest=…,tar=false is modelled for the docker-container builder');
  const g = ['--root', root, '--runroot', path.join(root, 'run'), '--storage-driver', 'vfs'];
  const bud = ['bud', '--isolation', 'chroot', '--layers', '-f', opt('--file'), '--iidfile', opt('--iidfile')];
  for (const n of ['--build-arg', '--label', '--tag', '--secret']) for (const v of all(n)) bud.push(n, v);
  if (opt('--target')) bud.push('--target', opt('--target'));
  if (/rewrite-timestamp=true/.test(output)) bud.push('--timestamp', process.env.SOURCE_DATE_EPOCH || '0');
  bud.push(args[args.length - 1]);
  try {
    execFileSync('buildah', [...g, ...bud], { stdio: ['ignore', 'inherit', 'inherit'] });
    const iid = fs.readFileSync(opt('--iidfile'), 'utf8').trim();
    fs.rmSync(dest[1], { recursive: true, force: true });
    execFileSync('buildah', [...g, 'push', '--format', 'oci', iid, 'oci:' + dest[1] + ':latest'], { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (e) { fail('ERROR: failed to build: ' + e.message); }
  process.exit(0);
}
fail('docker stub: "docker ' + args.join(' ') + '" is not modelled (this docker stands in for the runner’s docker only for info, version and buildx)');
`;
  const file = path.join(binDir, 'docker');
  await writeFile(file, script);
  await chmod(file, 0o755);
}
