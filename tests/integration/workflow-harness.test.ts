/**
 * The workflow harness (tests/helpers/workflow-harness.ts) itself: job graphs, expressions,
 * reusable workflows, permissions, environments, OIDC, triggers and stand-ins, on small workflows
 * of a local consumer repository — so a wiring test that fails can only fail because of the wiring.
 */
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-server.ts';
import { commitAll, filterMatches, HarnessError, initConsumerRepo, pullRequestEvent, pushEvent, repositoryDispatchEvent, startWorkflowHarness, workflowDispatchEvent, type ConsumerRepo, type WorkflowHarness } from '../helpers/workflow-harness.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
let gh: FakeGitHub;
let harness: WorkflowHarness;
let tmp: string;
let repo: ConsumerRepo;

const CALLED = `
name: called
on:
  workflow_call:
    inputs:
      greeting: { type: string, required: true }
      loud: { type: boolean, default: false }
    secrets:
      TOKEN: { required: false }
    outputs:
      text:
        value: \${{ jobs.say.outputs.text }}
      result:
        value: \${{ jobs.say.result }}
env:
  CALLED_LEVEL: called
permissions: {}
jobs:
  say:
    name: say it
    runs-on: ubuntu-24.04
    permissions:
      contents: read
    outputs:
      text: \${{ steps.s.outputs.text }}
      leak: \${{ steps.s.outputs.leak }}
    steps:
      - id: s
        env:
          GREETING: \${{ inputs.greeting }}
          LOUD: \${{ inputs.loud }}
          HAS_TOKEN: \${{ secrets.TOKEN != '' }}
          CALLER_LEVEL: \${{ env.CALLER_LEVEL }}
        run: |
          text="$GREETING"
          if [ "$LOUD" = "true" ]; then text="\${text^^}"; fi
          echo "text=$text|token=$HAS_TOKEN|called=$CALLED_LEVEL|caller=$CALLER_LEVEL" >> "$GITHUB_OUTPUT"
          echo "leak=secret-is-\${{ secrets.TOKEN }}" >> "$GITHUB_OUTPUT"
`;

const CALLER = `
name: graph
on:
  push:
    branches: [main]
  pull_request:
  repository_dispatch:
    types: [go]
  workflow_dispatch:
    inputs:
      who: { type: string, default: world }
      twice: { type: boolean, default: false }
env:
  CALLER_LEVEL: caller
permissions: {}
jobs:
  first:
    runs-on: ubuntu-24.04
    permissions:
      contents: read
      id-token: write
    env:
      JOB_LEVEL: job
    outputs:
      value: \${{ steps.a.outputs.value }}
      event: \${{ steps.a.outputs.event }}
    steps:
      - uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2
        with: { persist-credentials: false }
      - id: a
        env:
          EVENT: \${{ github.event_name }}
          WHO: \${{ inputs.who || github.event.client_payload.who || 'nobody' }}
        run: |
          test -f README.md
          echo "value=$JOB_LEVEL-$CALLER_LEVEL-$WHO" >> "$GITHUB_OUTPUT"
          echo "event=$EVENT" >> "$GITHUB_OUTPUT"
          echo "LATER=set-by-a" >> "$GITHUB_ENV"
          curl -sf -H "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=test" > "$RUNNER_TEMP/oidc.json"
      - id: b
        run: echo "later=$LATER" >> "$GITHUB_OUTPUT"
      - id: fails
        continue-on-error: true
        run: exit 3
      - id: skipped
        if: \${{ steps.b.outputs.later == 'nope' }}
        run: exit 1
  matrix:
    needs: first
    runs-on: ubuntu-24.04
    strategy:
      matrix:
        size: [s, m]
        colour: [red]
        include:
          - size: l
            colour: blue
    steps:
      - run: echo "\${{ matrix.size }}-\${{ matrix.colour }}-\${{ needs.first.outputs.value }}"
  call:
    name: Call
    needs: [first]
    uses: ./.github/workflows/called.yml
    permissions:
      contents: read
    with:
      greeting: hello \${{ needs.first.outputs.event }}
      loud: \${{ github.event_name == 'workflow_dispatch' }}
    secrets:
      TOKEN: \${{ secrets.MY_TOKEN }}
  deploy:
    needs: [call]
    if: \${{ needs.call.outputs.result == 'success' }}
    runs-on: ubuntu-24.04
    environment:
      name: staging
      url: \${{ steps.d.outputs.url }}
    permissions: {}
    steps:
      - id: d
        env:
          ENV_SECRET: \${{ secrets.STAGING_ONLY }}
          TEXT: \${{ needs.call.outputs.text }}
          TOKEN: \${{ github.token }}
        run: |
          echo "url=https://staging.example/$ENV_SECRET" >> "$GITHUB_OUTPUT"
          echo "$TEXT"
          # permissions: {} — the job token may read metadata but not write a check run
          echo "repo=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$GITHUB_API_URL/repos/$GITHUB_REPOSITORY")" >> "$GITHUB_OUTPUT"
          echo "checks=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"name":"x","head_sha":"\${{ github.sha }}"}' -H "Authorization: Bearer $TOKEN" "$GITHUB_API_URL/repos/$GITHUB_REPOSITORY/check-runs")" >> "$GITHUB_OUTPUT"
          echo "other=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$GITHUB_API_URL/repos/octo/elsewhere/deployments")" >> "$GITHUB_OUTPUT"
  never:
    needs: [deploy]
    if: \${{ failure() }}
    runs-on: ubuntu-24.04
    steps:
      - run: echo never
  transitive:
    needs: [never]
    if: \${{ failure() }}
    runs-on: ubuntu-24.04
    steps:
      - run: echo "an ancestor failed"
`;

beforeAll(async () => {
  gh = await startFakeGitHub();
  harness = await startWorkflowHarness({ repoRoot, github: gh });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'workflow-harness-'));
  repo = await initConsumerRepo(path.join(tmp, 'repo'), 'octo/graph');
  await mkdir(path.join(repo.dir, '.github/workflows'), { recursive: true });
  await writeFile(path.join(repo.dir, 'README.md'), '# graph\n');
  await writeFile(path.join(repo.dir, '.github/workflows/graph.yml'), CALLER);
  await writeFile(path.join(repo.dir, '.github/workflows/called.yml'), CALLED);
  commitAll(repo, 'graph');
});
afterAll(async () => {
  await harness.close();
  await gh.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('workflow harness semantics', () => {
  it('runs the job graph in needs order with outputs, env levels, GITHUB_ENV, matrix, reusable workflow, environment and OIDC', async () => {
    const run = await harness.run({ repo, workflow: '.github/workflows/graph.yml', event: pushEvent(repo), secrets: { repository: { MY_TOKEN: 'tok-12345' }, environments: { staging: { STAGING_ONLY: 'env-secret' } } } });
    expect(run.jobs.map((j) => `${j.key}:${j.result}`)).toEqual(['first:success', 'matrix(s, red):success', 'matrix(m, red):success', 'matrix(l, blue):success', 'call:success', 'call/say:success', 'deploy:success', 'never:skipped', 'transitive:skipped']);
    const first = run.job('first');
    expect(first.outputs).toEqual({ value: 'job-caller-nobody', event: 'push' });
    expect(run.step('first', 'b').outputs.later).toBe('set-by-a');
    expect(run.step('first', 'fails').outcome).toBe('failure'); // continue-on-error: the job still succeeds
    expect(run.step('first', 'skipped').outcome).toBe('skipped');
    expect(run.step('first', '__0').standIn).toMatch(/^actions\/checkout \(stand-in/);
    expect(first.permissions).toMatchObject({ contents: 'read', 'id-token': 'write', checks: 'none' });
    expect(first.oidcTokens[0]).toMatchObject({ aud: 'test', repository: 'octo/graph', ref: 'refs/heads/main', event_name: 'push', job_workflow_ref: 'octo/graph/.github/workflows/graph.yml@refs/heads/main' });
    expect(run.jobs.filter((j) => j.id === 'matrix').map((j) => j.checkName)).toEqual(['matrix (s, red)', 'matrix (m, red)', 'matrix (l, blue)']);
    expect(run.job('matrix(l, blue)').stdout).toContain('l-blue-job-caller-nobody');
    // the called workflow: typed inputs, declared secret, its own env but not the caller's, outputs through jobs.*
    const say = run.job('call/say');
    expect(say.checkName).toBe('Call / say it');
    expect(say.outputs.text).toBe('hello push|token=true|called=called|caller=');
    expect(say.outputs.leak).toBe(''); // carries a secret: GitHub drops it
    expect(say.warnings).toContain("Skip output 'leak' since it may contain secret.");
    expect(run.job('call').calls).toEqual({ workflow: './.github/workflows/called.yml', inputs: { greeting: 'hello push', loud: false }, secrets: ['TOKEN'] });
    expect(run.job('call').outputs).toEqual({ text: 'hello push|token=true|called=called|caller=', result: 'success' });
    const deploy = run.job('deploy');
    expect(deploy.environment).toEqual({ name: 'staging', url: 'https://staging.example/env-secret', approved: true });
    expect(deploy.secretNames).toContain('STAGING_ONLY');
    // each job's GITHUB_TOKEN carries its permissions: the fake GitHub refuses what they do not grant
    expect(run.step('deploy', 'd').outputs).toMatchObject({ repo: '200', checks: '403', other: '403' });
    expect(first.secretNames).not.toContain('STAGING_ONLY');
    expect(run.job('never').reason).toMatch(/if: .*failure\(\).* is false/);
    expect(run.conclusion).toBe('success');
  });

  it('workflow_dispatch inputs are typed; repository_dispatch carries client_payload; a rejected environment fails the job', async () => {
    const dispatched = await harness.run({ repo, workflow: '.github/workflows/graph.yml', event: workflowDispatchEvent(repo, '.github/workflows/graph.yml', { who: 'ada', twice: 'true' }), approve: () => false });
    expect(dispatched.job('first').outputs.value).toBe('job-caller-ada');
    expect(dispatched.job('call').calls!.inputs).toEqual({ greeting: 'hello workflow_dispatch', loud: true });
    expect(dispatched.job('call/say').outputs.text).toMatch(/^HELLO WORKFLOW_DISPATCH\|token=false/);
    expect(dispatched.job('deploy')).toMatchObject({ result: 'failure', reason: 'deployment to environment "staging" was rejected' });
    expect(dispatched.job('never').result).toBe('success'); // if: failure() after a failed need
    expect(dispatched.job('transitive').result).toBe('success'); // failure() is true when any ancestor failed
    const remote = await harness.run({ repo, workflow: '.github/workflows/graph.yml', event: repositoryDispatchEvent(repo, 'go', { who: 'bridge' }) });
    expect(remote.job('first').outputs.value).toBe('job-caller-bridge');
    const other = await harness.run({ repo, workflow: '.github/workflows/graph.yml', event: repositoryDispatchEvent(repo, 'stop', {}) });
    expect(other).toMatchObject({ triggered: false, reason: 'type "stop" does not match on.repository_dispatch.types [go]' });
  });

  it('applies on: filters the way GitHub does', async () => {
    expect(filterMatches(['main'], 'main')).toBe(true);
    expect(filterMatches(['$default-branch'], 'main')).toBe(false);
    expect(filterMatches(['releases/**', '!releases/**-alpha'], 'releases/1.0-alpha')).toBe(false);
    expect(filterMatches(['feature/*'], 'feature/a/b')).toBe(false);
    expect(filterMatches(['v[12].[0-9]+.[0-9]+'], 'v1.10.2')).toBe(true);
    await expect(harness.triggers(repo, '.github/workflows/graph.yml', pushEvent(repo))).resolves.toEqual({ triggered: true });
    const prRun = await harness.triggers(repo, '.github/workflows/graph.yml', pullRequestEvent(repo, { head: 'main', action: 'closed' }));
    expect(prRun).toEqual({ triggered: false, reason: 'type "closed" does not match on.pull_request.types [opened, synchronize, reopened]' });
  });

  it('fails like GitHub on a nested job asking more permissions than its caller grants, and refuses unknown actions', async () => {
    const bad = CALLED.replace('      contents: read\n    outputs:', '      contents: write\n    outputs:');
    await writeFile(path.join(repo.dir, '.github/workflows/called.yml'), bad);
    await writeFile(path.join(repo.dir, '.github/workflows/unknown.yml'), 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: someone/something@v1\n');
    commitAll(repo, 'broken');
    try {
      await expect(harness.run({ repo, workflow: '.github/workflows/graph.yml', event: pushEvent(repo) })).rejects.toThrow("startup failure: The nested job 'say' is requesting 'contents: write', but is only allowed 'contents: read'.");
      await expect(harness.run({ repo, workflow: '.github/workflows/unknown.yml', event: pushEvent(repo) })).rejects.toThrow(HarnessError);
      await expect(harness.run({ repo, workflow: '.github/workflows/unknown.yml', event: pushEvent(repo) })).rejects.toThrow('unknown third-party action "someone/something@v1"');
    } finally {
      await writeFile(path.join(repo.dir, '.github/workflows/called.yml'), CALLED);
      await rm(path.join(repo.dir, '.github/workflows/unknown.yml'));
      commitAll(repo, 'restore');
    }
    expect(await readFile(path.join(repo.dir, '.github/workflows/called.yml'), 'utf8')).toBe(CALLED);
  });
});
