/**
 * Wiring bugs of issue 12 ("The flow on a real GitHub runner") caught by the workflow harness
 * (tests/helpers/workflow-harness.ts) and the composite harness, BEFORE they were fixed. A known
 * bug is an `it.fails` whose body asserts what the fix must bring, guarded by
 * `failsOnlyWith(<symptom>)`: it stays green only while it fails with that exact symptom, and turns
 * red when the bug is fixed (then it becomes a plain `it`, as every one below now is) or when it
 * fails for any other reason.
 * The cheap cases live here (no image is built); the flow end to end is workflow-flow.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLocalAction } from '../helpers/composite-harness.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/github-server.ts';
import { pullRequestEvent, pushEvent, startWorkflowHarness, type ConsumerRepo, type RunOptions, type WorkflowHarness } from '../helpers/workflow-harness.ts';
import { exampleRepo } from '../helpers/workflow-harness-example.ts';
import { writeDockerStub } from '../helpers/workflow-standins.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const runnerEnv = { DATAOPS_BUILDAH_ROOT: path.join(repoRoot, '.cache/buildah'), RUNNER_TOOL_CACHE: path.join(repoRoot, '.cache/tool-cache') };
let gh: FakeGitHub;
let harness: WorkflowHarness;
let tmp: string;
/** The example with the starters installed exactly as GitHub's "New workflow" page installs them from a repository's workflows/ (no substitution). */
let pristine: ConsumerRepo;
/** The same with `$default-branch` replaced by `main`, as GitHub does for an organisation's workflow templates. */
let substituted: ConsumerRepo;

const defaultBranch = (text: string) => text.replaceAll('$default-branch', 'main');

beforeAll(async () => {
  gh = await startFakeGitHub();
  harness = await startWorkflowHarness({ repoRoot, github: gh });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'workflow-wiring-'));
  pristine = await exampleRepo(path.join(tmp, 'pristine'), { fullName: 'octo/pristine' });
  substituted = await exampleRepo(path.join(tmp, 'substituted'), { fullName: 'octo/substituted', vendorDatasets: true, starterEdits: { 'dataops-ci.yml': defaultBranch, 'dataops-cd.yml': defaultBranch } });
});
afterAll(async () => {
  await harness.close();
  await gh.close();
  await rm(tmp, { recursive: true, force: true });
});

/** CI starter on a pull request with only the jobs in `run` executed (the others assumed successful). */
function ciOnPullRequest(repo: ConsumerRepo, run: string[], extra: Partial<RunOptions> = {}): RunOptions {
  const all = ['ci/lint', 'ci/quality', 'ci/build', 'ci/system-test'];
  return {
    repo,
    workflow: '.github/workflows/dataops-ci.yml',
    event: pullRequestEvent(repo, { head: repo.defaultBranch }),
    runner: { env: runnerEnv },
    assume: Object.fromEntries(all.filter((k) => !run.includes(k)).map((k) => [k, { result: 'success' as const }])),
    ...extra,
  };
}

describe('root action.yml stages (composite harness)', () => {
  const opts = () => ({
    workspace: repoRoot,
    repoRoot,
    env: { GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: 'octo/pipeline', GITHUB_SHA: 'a'.repeat(40), GITHUB_RUN_ID: '42', GITHUB_SERVER_URL: 'https://github.com', RUNNER_TOOL_CACHE: runnerEnv.RUNNER_TOOL_CACHE },
    github: { token: gh.token, repository: 'octo/pipeline', sha: 'a'.repeat(40) },
  });

  // Fixed wiring bug: `stages: lint,quality` silently skipped data quality — the composite tested
  // contains(inputs.stages, 'data-quality') while the CLI calls the stage `quality`. Its first step
  // (dist/stages/index.js) now reads the input with the CLI's stage names and sets one output per stage.
  it('stages "lint,quality" (the CLI\'s stage name) runs the data-quality step', async () => {
    const run = await runLocalAction(repoRoot, { project: 'templates/example-pipeline', 'lint-path': 'templates/example-pipeline', stages: 'lint,quality' }, opts());
    expect(run.steps.find((s) => s.id === 'stages')!.outputs).toEqual({ lint: 'true', quality: 'true', 'build-image': 'false', 'system-test': 'false' });
    expect(run.steps.find((s) => s.id === 'lint')!.outcome).toBe('success');
    expect(run.steps.find((s) => s.id === 'quality')!.outcome, 'data-quality step with stages "lint,quality"').toBe('success');
    expect(run.steps.find((s) => s.id === 'build')!.outcome).toBe('skipped');
    expect(run.outcome).toBe('success');
  }, 300_000);

  // Fixed wiring bug (same cause): an unknown stage name was accepted and silently ran nothing.
  it('an unknown stage name fails the step, naming it', async () => {
    const run = await runLocalAction(repoRoot, { project: 'templates/example-pipeline', 'lint-path': 'templates/example-pipeline', stages: 'lint,qualty' }, opts());
    expect(run.outcome, 'stages "lint,qualty" (a typo)').toBe('failure');
    const stages = run.steps.find((s) => s.id === 'stages')!;
    expect(stages.outcome).toBe('failure');
    expect(run.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      'dataops CI: configuration error: input "stages": unknown stage name "qualty". Use the stage names lint, quality, build-image, system-test (data-quality = quality), comma-separated.',
    ]);
    expect(run.steps.filter((s) => s.id !== 'stages').map((s) => s.outcome)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    // the step's process: exit code 2 (a configuration error) and that one line, no stack
    const direct = spawnSync(process.execPath, [path.join(repoRoot, 'dist/stages/index.js')], { env: { PATH: process.env.PATH ?? '', INPUT_STAGES: 'lint,qualty' }, encoding: 'utf8' });
    expect({ status: direct.status, lines: `${direct.stdout}${direct.stderr}`.trim().split('\n').length }).toEqual({ status: 2, lines: 1 });
    expect(direct.stdout).toMatch(/^::error title=dataops CI%3A configuration error::.*"qualty"/);
  }, 300_000);

  it('a stage of dataops flow the composite does not run (push-image) fails the step, naming it', async () => {
    const run = await runLocalAction(repoRoot, { project: 'templates/example-pipeline', stages: 'lint,push-image' }, opts());
    expect(run.outcome).toBe('failure');
    expect(run.annotations.map((a) => a.message).join('\n')).toContain('"push-image" is a stage of dataops flow that does not run here');
  }, 300_000);
});

describe('starter workflows as a repository installs them', () => {
  // Fixed wiring bug: the CD starter (and the CI starter) kept `branches: [$default-branch]`; GitHub
  // substitutes that placeholder only in an organisation's workflow templates, so a repository that
  // copies the file never runs CD on a push to main.
  it('a push to the default branch starts the CD starter', async () => {
    const t = await harness.triggers(pristine, '.github/workflows/dataops-cd.yml', pushEvent(pristine));
    expect(t.triggered, t.reason).toBe(true);
  });

  // Fixed wiring bug: `dataops lint` passed the placeholder (0 findings on the repository as installed);
  // it is now a template-placeholder warning.
  // The starters no longer carry it; a repository holding a copy of an older one (or of any
  // template) still does.
  it('dataops lint (the CI lint job) flags branches: [$default-branch] in a copied starter', async () => {
    const placeholder = await exampleRepo(path.join(tmp, 'placeholder'), {
      fullName: 'octo/placeholder',
      starterEdits: { 'dataops-cd.yml': (t) => t.replace(/\non:\n {2}push:\n( {4}branches: \[[^\]]*\]\n)?/, '\non:\n  push:\n    branches: [$default-branch]\n') },
    });
    expect(await readFile(path.join(placeholder.dir, '.github/workflows/dataops-cd.yml'), 'utf8')).toContain('branches: [$default-branch]');
    const run = await harness.run(ciOnPullRequest(placeholder, ['ci/lint']));
    expect(run.job('ci/lint').result).toBe('success');
    const onStarters = run.job('ci/lint').annotations.filter((a) => /file=\.github\/workflows\/dataops-c[id]\.yml/.test(a.props));
    expect(onStarters.map((a) => a.message).join('\n'), 'lint findings on the installed starters').toMatch(/\$default-branch/);
  }, 300_000);

  // Fixed wiring bug: with the placeholder substituted (organisation templates), installing both starters
  // runs dataops-ci twice on every push to main (the CI starter and the CD starter's ci job).
  it('a push to main runs dataops-ci once when both starters are installed', async () => {
    const plan = await harness.plan(substituted, pushEvent(substituted));
    const callers = plan.filter((p) => p.triggered && p.calls.some((c) => c.includes('/.github/workflows/dataops-ci.yml@'))).map((p) => p.workflow);
    expect(callers.length, `workflows calling dataops-ci.yml on a push to main (${callers.join(', ')})`).toBe(1);
  });

  // Fixed wiring bug: the required-check names the docs gave were not what GitHub shows for jobs of a
  // reusable workflow, which is `<caller job name> / <job name>` ("CI / lint").
  it('the required checks named in docs/workflows.md and the CI starter are check names GitHub reports on a pull request', async () => {
    const docs = await readFile(path.join(repoRoot, 'docs/workflows.md'), 'utf8');
    const starter = await readFile(path.join(repoRoot, 'workflows/dataops-ci.yml'), 'utf8');
    const fromDocs = [...(/Make (.+?) required status checks/.exec(docs)?.[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    const fromStarter = [...(/# Make (.+?) required checks/.exec(starter)?.[1] ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
    expect(fromDocs).toHaveLength(4);
    expect(fromStarter).toEqual(fromDocs);
    const plan = await harness.plan(pristine, pullRequestEvent(pristine, { head: 'main' }));
    const reported = plan.filter((p) => p.triggered).flatMap((p) => p.checkNames);
    const missing = fromDocs.filter((n) => !reported.includes(n));
    expect(missing.join(', '), `required checks GitHub never reports (it reports ${reported.join(', ')})`).toBe('');
  });

  // Fixed wiring bug: `upload-sarif: true` (the default) failed the lint job on a private repository
  // without GitHub Advanced Security / Code Security (the upload answers 403); it now only warns.
  it('the CI lint job passes on a private repository without code scanning (upload answers 403)', async () => {
    gh.codeScanning.set('octo/pristine', 'advanced-security-disabled');
    try {
      const run = await harness.run(ciOnPullRequest(pristine, ['ci/lint'], { event: pullRequestEvent(pristine, { head: 'main', private: true }) }));
      const lint = run.job('ci/lint');
      expect(run.step('ci/lint', 'lint').outcome).toBe('success');
      expect(lint.result, lint.annotations.filter((a) => a.level === 'error').map((a) => a.message).join(' | ')).toBe('success');
    } finally {
      gh.codeScanning.delete('octo/pristine');
    }
  }, 300_000);

  it('the CI lint job passes on a repository where code scanning is unavailable (upload answers 404)', async () => {
    gh.codeScanning.set('octo/pristine', 'unavailable');
    try {
      const run = await harness.run(ciOnPullRequest(pristine, ['ci/lint'], { event: pullRequestEvent(pristine, { head: 'main', private: true }) }));
      const lint = run.job('ci/lint');
      expect(lint.result, lint.annotations.filter((a) => a.level === 'error').map((a) => a.message).join(' | ')).toBe('success');
    } finally {
      gh.codeScanning.delete('octo/pristine');
    }
  }, 300_000);

  it('uploads the lint SARIF to code scanning where it is available (the fake answers 202)', async () => {
    const before = gh.sarifUploads.length;
    const run = await harness.run(ciOnPullRequest(pristine, ['ci/lint']));
    expect(run.job('ci/lint').result).toBe('success');
    const upload = gh.sarifUploads.slice(before);
    expect(upload).toHaveLength(1);
    expect(upload[0]).toMatchObject({ repo: 'octo/pristine', ref: 'refs/pull/1/merge' });
    expect(upload[0]!.sarif).toMatchObject({ version: '2.1.0', runs: [{ tool: { driver: { name: 'dataops-lint' } } }] });
  }, 300_000);
});

describe('the example pipeline in a repository of its own', () => {
  // Fixed (found by the harness, not in the list): the example's datasets are
  // `npm:vega-datasets/…`, which resolved only inside this toolkit's checkout (a devDependency);
  // copied to its own repository, the CI data-quality job could not read them ("npm package … is
  // not installed"). The actions now install vega-datasets, a data package pinned in their bundle
  // (dist/actions/vega-datasets-lock.json), into the tool cache when a dataset names it.
  it('the CI data-quality job reads the example\'s datasets', async () => {
    const run = await harness.run(ciOnPullRequest(pristine, ['ci/quality']));
    const quality = run.job('ci/quality');
    expect(quality.result, quality.annotations.filter((a) => a.level === 'error').map((a) => a.message)[0]).toBe('success');
    // the example's documented verdict on the 3 million flights: WARN (2 warnings), read from the runtime install
    expect(run.step('ci/quality', 'quality').outputs).toMatchObject({ status: 'warn', failed: '0', errored: '0', warned: '2' });
    expect(quality.stdout).toMatch(/vega-datasets 3\.\d+\.\d+: (cached|installed) in \d+ ms/);
  }, 600_000);
});

describe('build on a GitHub-hosted runner (docker stub)', () => {
  let stub: { bin: string; state: string };
  beforeAll(async () => {
    stub = { bin: path.join(tmp, 'docker-stub/bin'), state: path.join(tmp, 'docker-stub/state') };
    await writeDockerStub(stub.bin, stub.state);
  });

  // Fixed wiring bug: `builder: auto` picked docker buildx where `docker info` answers (every hosted
  // runner), but the reusable CI never set up a buildx builder, and the default `docker` driver
  // refuses the type=gha cache export and the OCI-layout output. The reusable CI now builds with
  // buildah by default (preinstalled on the hosted Ubuntu images), the daemonless path the tests run.
  it('the reusable CI builds the image on a hosted runner whose docker has no buildx builder (builder: buildah by default)', async () => {
    const run = await harness.run(ciOnPullRequest(substituted, ['ci/build'], { runner: { env: { ...runnerEnv, DOCKER_STUB_STATE: stub.state }, path: [stub.bin] } }));
    const build = run.job('ci/build');
    expect(run.step('ci/build', 'build').outcome, build.stdout.split('\n').filter((l) => /ERROR|::error/.test(l)).join('\n')).toBe('success');
    expect(run.step('ci/build', 'build').with.builder).toBe('buildah');
  }, 600_000);

  it('the docker stub answers like docker with the default driver, and builds through buildah once a docker-container builder is set up', async () => {
    const ctx = path.join(tmp, 'stub-context');
    await mkdir(ctx, { recursive: true });
    await writeFile(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY hello.txt /hello.txt\n');
    await writeFile(path.join(ctx, 'hello.txt'), 'hello\n');
    const env = { ...process.env, ...runnerEnv, DOCKER_STUB_STATE: stub.state };
    const docker = path.join(stub.bin, 'docker');
    const buildx = ['buildx', 'build', '--file', path.join(ctx, 'Dockerfile'), '--iidfile', path.join(tmp, 'iid'), '--output', `type=oci,dest=${path.join(tmp, 'stub-layout')},tar=false`, ctx];
    expect(execFileSync(docker, ['info', '--format', '{{.ServerVersion}}'], { env, encoding: 'utf8' }).trim()).toBe('28.0.4');
    const refused = (() => {
      try {
        execFileSync(docker, buildx, { env, encoding: 'utf8', stdio: 'pipe' });
        return '';
      } catch (err) {
        return String((err as { stderr: string }).stderr);
      }
    })();
    expect(refused).toBe('ERROR: failed to build: OCI exporter is not supported for the docker driver.\nSwitch to a different driver, or turn on the containerd image store, and try again.\nLearn more at https://docs.docker.com/go/build-exporters/\n');
    await writeFile(path.join(stub.state, 'builder.json'), JSON.stringify({ name: 'harness', driver: 'docker-container' }));
    try {
      execFileSync(docker, buildx, { env, stdio: 'pipe' });
      const index = JSON.parse(await readFile(path.join(tmp, 'stub-layout/index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
      expect(index.manifests[0]!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    } finally {
      await rm(path.join(stub.state, 'builder.json'), { force: true });
    }
  }, 300_000);
});

describe('release refs', () => {
  // Fixed wiring bug: every internal `uses:` names `…@v0.1.0`, so a caller who pins a newer commit
  // of dataops-actions by SHA still ran the v0.1.0 siblings, and nothing checked the refs. The
  // release step (scripts/release-refs.ts) sets them to v<package.json version> in the commit that
  // gets tagged: a caller pinning THAT commit runs its own siblings. The harness in
  // `commit-under-test` mode refuses a ref that does not name the tree it runs.
  it('a caller pinning the release commit (made by scripts/release-refs.ts) runs that commit\'s reusable workflow and actions', async () => {
    const clone = path.join(tmp, 'release-clone');
    const git = (args: string[]) => execFileSync('git', ['-c', 'user.name=Release', '-c', 'user.email=release@example.com', ...args], { cwd: clone, encoding: 'utf8', stdio: 'pipe' }).trim();
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', repoRoot, clone], { stdio: 'pipe' });
    const pkgFile = path.join(clone, 'package.json');
    const pkg = JSON.parse(await readFile(pkgFile, 'utf8')) as { version: string };
    pkg.version = '0.1.1';
    await writeFile(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
    expect(execFileSync(process.execPath, [path.join(clone, 'scripts/release-refs.ts'), '--root', clone], { encoding: 'utf8' })).toMatch(/^rewrote \d+ reference\(s\) to v0\.1\.1\n$/);
    git(['commit', '--quiet', '-am', 'release v0.1.1']);
    git(['tag', 'v0.1.1']);
    const head = git(['rev-parse', 'HEAD']);
    const release = await startWorkflowHarness({ repoRoot: clone, github: gh });
    try {
      const pinned = await exampleRepo(path.join(tmp, 'pinned'), {
        fullName: 'octo/pinned',
        starters: ['dataops-ci.yml'],
        starterEdits: { 'dataops-ci.yml': (t) => t.replace(/dataops-ci\.yml@v\d+\.\d+\.\d+/, `dataops-ci.yml@${head}`) },
      });
      expect(await readFile(path.join(pinned.dir, '.github/workflows/dataops-ci.yml'), 'utf8')).toContain(`dataops-ci.yml@${head}`);
      const run = await release.run({ ...ciOnPullRequest(pinned, ['ci/lint']), ownRefs: 'commit-under-test' });
      expect(run.job('ci/lint').result).toBe('success');
      expect(run.ownRefs.map((r) => r.ref)).toContain('v0.1.1');
      expect(run.ownRefs.filter((r) => !r.commitUnderTest)).toEqual([]);
      // the same caller against a tree whose refs were not released (v0.1.0 in a v0.1.1 tree) is refused
      git(['tag', '-d', 'v0.1.1']);
      await expect(release.run({ ...ciOnPullRequest(pinned, ['ci/lint']), ownRefs: 'commit-under-test' })).rejects.toThrow(/@v0\.1\.1: ref "v0\.1\.1" does not name the commit under test/);
    } finally {
      await release.close();
    }
  }, 300_000);
});
