export const id = 271;
export const ids = [271];
export const modules = {

/***/ 2271:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  loadProject: () => (/* binding */ loadProject)
});

// UNUSED EXPORTS: PROJECT_FILE, projectSchema

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./node_modules/zod/v4/classic/schemas.js + 17 modules
var schemas = __webpack_require__(8816);
// EXTERNAL MODULE: ./build/core/errors.js
var errors = __webpack_require__(2807);
// EXTERNAL MODULE: ./build/core/yaml.js
var yaml = __webpack_require__(9483);
// EXTERNAL MODULE: ./build/core/quality/suite.js
var suite = __webpack_require__(1132);
;// CONCATENATED MODULE: ./build/core/quality/config.js
/**
 * The `datasets:` and `quality:` sections of dataops.yml. Dataset declarations share one schema
 * with quality suites (see suite.ts), so a project can name its datasets once.
 */


/** `quality:` in dataops.yml: which suites run in the quality stage and how the outcome is decided. */
const qualityConfigSchema = schemas/* strictObject */.rej({
    suites: schemas/* array */.YOg(schemas/* string */.YjP().min(1)).min(1).describe('Suite files, relative to dataops.yml.'),
    fail_on: suite/* failOnSchema */.nI.default('error').describe('Which check outcome fails the stage: error (default), warn or never.'),
    samples: schemas/* number */.aig().int().min(0).max(100).default(5).describe('Failing sample rows kept per check.'),
    memory_limit: schemas/* string */.YjP().regex(/^\d+(\.\d+)?\s*([KMGTkmgt]i?[Bb]|[Bb])$/, 'write a size like "256MB" or "1GB"').optional().describe('DuckDB memory_limit, e.g. "1GB"; larger inputs spill to temp_directory.'),
})
    .describe('Data-quality stage.');
/** `datasets:` in dataops.yml: named datasets every suite of the project can use. */
const projectDatasetsSchema = schemas/* record */.g1P(schemas/* string */.YjP().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), suite/* datasetSchema */.eS);

;// CONCATENATED MODULE: ./build/core/image/push-config.js
/**
 * `image.push` in dataops.yml: where the built image is pushed (by digest) and which tags follow it.
 * Without a registry (or with `registry: local`) the flow starts a loopback `docker-registry` and
 * pushes there, so the demo runs offline.
 */

const tag = schemas/* string */.YjP().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'a tag is 1-128 of letters, digits, "_", "." and "-", not starting with "." or "-"');
const destination = schemas/* string */.YjP()
    .regex(/^[a-z0-9.-]+(?::\d+)?\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/, 'write registry-host[:port]/repository, without tag or digest');
const pushConfigSchema = schemas/* strictObject */.rej({
    registry: schemas/* string */.YjP()
        .min(1)
        .optional()
        .describe('Registry host[:port] (ghcr.io, europe-west1-docker.pkg.dev…), or "local" to start a loopback docker-registry (the default when nothing is set).'),
    repository: schemas/* string */.YjP().min(1).optional().describe('Repository path within the registry. Default: the project name.'),
    destinations: schemas/* array */.YOg(destination)
        .optional()
        .describe('Several registry/repository destinations to push the same digest to (instead of registry + repository).'),
    tags: schemas/* array */.YOg(tag).optional().describe('Tags applied after the digest is verified at every destination. Default: the tags the build produced.'),
    insecure: schemas/* boolean */.zMY().default(false).describe('Talk plain HTTP to the registry (loopback registries only).'),
    retry_budget_seconds: schemas/* number */.aig().int().min(1).max(3600).default(300).describe('Total time budget for retries of one push, in seconds.'),
})
    .describe('Registry push settings.');

;// CONCATENATED MODULE: ./build/core/image/system-test-config.js
/**
 * `image.system_test` in dataops.yml: how the built image is run on fixture inputs and how its
 * outputs are checked (golden comparisons against `expected/` and quality suites on the outputs).
 * Paths are relative to dataops.yml; output paths are relative to the container's output directory.
 */


const identifier = schemas/* string */.YjP().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'use letters, digits and "_", not starting with a digit');
const columns = schemas/* union */.KCZ([schemas/* string */.YjP().min(1), schemas/* array */.YOg(schemas/* string */.YjP().min(1)).min(1)]);
/**
 * Numeric tolerance: a value passes when `|output - expected| <= max(absolute, relative * |expected|)`
 * (the rule of Python's `math.isclose`). Both 0 means exact equality.
 */
const toleranceSchema = schemas/* strictObject */.rej({
    absolute: schemas/* number */.aig().min(0).default(0).describe('Largest allowed absolute difference.'),
    relative: schemas/* number */.aig().min(0).default(0).describe('Largest allowed difference relative to the expected value (0.001 = 0.1 %).'),
})
    .describe('Numeric tolerance: |output - expected| <= max(absolute, relative * |expected|).');
/** One golden comparison: an output file of the container against its expected copy. */
const goldenComparisonSchema = schemas/* strictObject */.rej({
    output: schemas/* string */.YjP().min(1).describe('Output file, relative to the output directory (/data/out in the container).'),
    expected: schemas/* string */.YjP().min(1).optional().describe('Expected file, relative to the expected directory. Default: same path as output.'),
    name: identifier.optional().describe('Dataset name in the report and in output suites. Default: the output file name without extension.'),
    format: suite/* formatSchema */.jf.optional().describe('File format of both files. Default: from the extension.'),
    key: columns.optional().describe('Key column(s) identifying a row. Enables key-set and per-row value comparison.'),
    columns: schemas/* array */.YOg(schemas/* string */.YjP().min(1)).min(1).optional().describe('Columns whose values are compared. Default: every common non-key column.'),
    ignore_columns: schemas/* array */.YOg(schemas/* string */.YjP().min(1)).default([]).describe('Columns left out of schema and value comparison (e.g. run timestamps).'),
    tolerance: toleranceSchema.default({ absolute: 0, relative: 0 }).describe('Tolerance for numeric values and aggregates (sum, avg, min, max).'),
    column_tolerance: schemas/* record */.g1P(schemas/* string */.YjP().min(1), toleranceSchema).default({}).describe('Per-column tolerance overriding "tolerance".'),
    allow_extra_columns: schemas/* boolean */.zMY().default(false).describe('Pass the schema comparison when the output has columns the expected file lacks.'),
    compare_types: schemas/* boolean */.zMY().default(true).describe('Fail the schema comparison when a column type differs.'),
    pii: schemas/* array */.YOg(schemas/* string */.YjP().min(1)).default([]).describe('Columns masked in failing samples.'),
    severity: suite/* severitySchema */.X5.default('error'),
})
    .describe('Golden comparison of one output file with its expected copy.');
/** Container runtimes the system test can use. `auto`: docker where a daemon answers, else podman, else buildah. */
const runnerSchema = schemas/* enum */.k5n(['auto', 'docker', 'podman', 'buildah']);
/** `image.system_test` section. */
const systemTestConfigSchema = schemas/* strictObject */.rej({
    fixtures: schemas/* string */.YjP().min(1).default('fixtures').describe('Input directory mounted read-only at /data/in. Relative to dataops.yml.'),
    expected: schemas/* string */.YjP().min(1).default('expected').describe('Directory of expected outputs. Relative to dataops.yml.'),
    compare: schemas/* array */.YOg(goldenComparisonSchema).default([]).describe('Golden comparisons, one per output file.'),
    suites: schemas/* array */.YOg(schemas/* string */.YjP().min(1)).default([]).describe('Quality suites run on the outputs (relative to dataops.yml). Each compared output is a dataset by its name.'),
    outputs: schemas/* record */.g1P(identifier, schemas/* string */.YjP().min(1)).default({}).describe('Further output files (relative to the output directory) exposed to the suites as datasets, by name.'),
    env: schemas/* record */.g1P(schemas/* string */.YjP().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), schemas/* string */.YjP()).default({}).describe('Environment of the container.'),
    args: schemas/* array */.YOg(schemas/* string */.YjP()).default([]).describe('Arguments appended to the image entrypoint.'),
    timeout_minutes: schemas/* number */.aig().positive().default(10).describe('The container is stopped after this long and the run fails.'),
    memory_limit: schemas/* string */.YjP()
        .regex(/^\d+(\.\d+)?[bkmgBKMG]?$/, 'write a size like "512m" or "2g"')
        .optional()
        .describe('Container memory limit, e.g. "1g".'),
    runner: runnerSchema.default('auto').describe('Container runtime: auto, docker, podman or buildah.'),
    fail_on: suite/* failOnSchema */.nI.default('error').describe('Which check outcome fails the stage: error (default), warn or never.'),
})
    .describe('System test: the built image run by digest on fixtures, its outputs checked.');

;// CONCATENATED MODULE: ./build/core/image/config.js
/**
 * `image:` in dataops.yml: how the pipeline image is built (Dockerfile, context, build args,
 * target, platforms, secrets, builder, labels, tag rules, cache), plus the `push` (push-config.ts)
 * and `system_test` (system-test-config.ts) sub-sections owned by those stages.
 */



/** A build secret, exposed to `RUN --mount=type=secret,id=<id>` only (never a build arg). */
const buildSecretSchema = schemas/* strictObject */.rej({
    id: schemas/* string */.YjP().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, ".", "_" or "-"').describe('Secret id, as in RUN --mount=type=secret,id=<id>.'),
    env: schemas/* string */.YjP().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional().describe('Environment variable holding the secret value.'),
    file: schemas/* string */.YjP().optional().describe('File holding the secret, relative to dataops.yml.'),
})
    .refine((s) => (s.env === undefined) !== (s.file === undefined), { message: 'give exactly one of "env" or "file"' })
    .describe('A build secret, mounted during RUN steps and never stored in the image or its provenance.');
/** Tag rules, after docker/metadata-action's type=sha / type=ref / type=semver / flavor latest. */
const tagRulesSchema = schemas/* strictObject */.rej({
    sha: schemas/* boolean */.zMY().default(true).describe('Tag sha-<7 hex of the commit>.'),
    branch: schemas/* boolean */.zMY().default(true).describe('Tag the branch name (sanitised: lower-case, [a-z0-9._-], max 128).'),
    semver: schemas/* boolean */.zMY().default(true).describe('On a v1.2.3 git tag: tags 1.2.3, 1.2 and 1 (no 1/1.2 for pre-releases or 0.x majors).'),
    pr: schemas/* boolean */.zMY().default(true).describe('On a pull request: tag pr-<number>.'),
    latest: schemas/* enum */.k5n(['auto', 'true', 'false']).default('auto').describe('auto: "latest" on a stable semver tag and on the default branch.'),
    extra: schemas/* array */.YOg(schemas/* string */.YjP().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/)).default([]).describe('Additional fixed tags.'),
})
    .describe('Which tags the image gets (tags are names; later stages use the digest).');
/** Layer cache settings. */
const cacheSchema = schemas/* strictObject */.rej({
    enabled: schemas/* boolean */.zMY().default(true).describe('Reuse cached layers (buildah --layers; buildx cache-from/to).'),
    gha_scope: schemas/* string */.YjP().optional().describe('buildx type=gha cache scope (default: the image name).'),
})
    .describe('Build cache.');
/** `image:` section. */
const imageConfigSchema = schemas/* strictObject */.rej({
    name: schemas/* string */.YjP()
        .regex(/^[a-z0-9]+(?:[._:-]?[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/, 'a lower-case repository name, without tag or digest')
        .optional()
        .describe('Image name (repository) without tag, e.g. localhost/flights-routes. Default: localhost/<project name>.'),
    dockerfile: schemas/* string */.YjP().default('Dockerfile').describe('Dockerfile path, relative to dataops.yml.'),
    context: schemas/* string */.YjP().default('.').describe('Build context directory, relative to dataops.yml.'),
    build_args: schemas/* record */.g1P(schemas/* string */.YjP(), schemas/* string */.YjP()).default({}).describe('Build arguments (--build-arg). Not for secrets: use "secrets".'),
    target: schemas/* string */.YjP().optional().describe('Multi-stage target to build.'),
    platforms: schemas/* array */.YOg(schemas/* string */.YjP()).default([]).describe('Target platforms (buildx only), e.g. linux/amd64, linux/arm64.'),
    secrets: schemas/* array */.YOg(buildSecretSchema).default([]).describe('Build secrets, as secret mounts.'),
    builder: schemas/* enum */.k5n(['auto', 'docker', 'buildah']).default('auto').describe('auto: docker buildx when a daemon answers, else buildah (daemonless).'),
    labels: schemas/* record */.g1P(schemas/* string */.YjP(), schemas/* string */.YjP()).default({}).describe('Extra OCI labels (override the generated ones).'),
    tags: tagRulesSchema.default(tagRulesSchema.parse({})),
    cache: cacheSchema.default(cacheSchema.parse({})),
    prepare: schemas/* enum */.k5n(['auto', 'npm', 'none'])
        .default('auto')
        .describe('Context preparation on the host before the build: npm = npm ci --omit=dev into the context (no network at build time); auto = npm when the context has package-lock.json and the Dockerfile copies node_modules.'),
    reproducible: schemas/* boolean */.zMY().default(true).describe('Normalise file times in the context and the image timestamps to SOURCE_DATE_EPOCH (default: the commit time) so the same commit gives the same digest.'),
    push: pushConfigSchema.optional(),
    system_test: systemTestConfigSchema.optional(),
})
    .describe('How the pipeline image is built, tested and pushed.');

;// CONCATENATED MODULE: ./build/core/deploy/config.js
/**
 * `deploy:` in dataops.yml: the environments a digest is deployed to (staging, production, …),
 * each with one target (`gitops` by default, `kubernetes`, `cloud-run` or `command`), and
 * `deploy.verify`: the staging smoke checks and performance budget.
 */

const seconds = (def, max = 86_400) => schemas/* number */.aig().int().min(1).max(max).default(def);
/** Target `gitops`: the digest is written into an environment overlay of a Git repository. */
const gitopsTargetSchema = schemas/* strictObject */.rej({
    repository: schemas/* string */.YjP()
        .min(1)
        .describe('GitOps repository: a clone URL (https://…, ssh://…, git@…) or a local path, relative to dataops.yml. A local path that does not exist yet is created by `dataops flow` (demo).'),
    branch: schemas/* string */.YjP().min(1).default('main').describe('Branch the environment is deployed from.'),
    overlay: schemas/* string */.YjP().min(1).describe('Directory of the environment overlay inside the repository, e.g. overlays/staging.'),
    image_name: schemas/* string */.YjP()
        .min(1)
        .optional()
        .describe('Kustomize: `name` of the `images:` entry to set (the image name used in the base manifests). Default: the project name.'),
    helm: schemas/* strictObject */.rej({
        values_file: schemas/* string */.YjP().min(1).describe('Values file inside the overlay directory, e.g. values-staging.yaml.'),
        digest_key: schemas/* string */.YjP().min(1).default('image.digest').describe('Dotted key path of the digest in the values file.'),
        repository_key: schemas/* string */.YjP().min(1).optional().describe('Dotted key path of the image repository (registry/repository), set alongside the digest.'),
    })
        .optional()
        .describe('Write the digest into a Helm values file instead of a kustomize `images:` entry.'),
    mode: schemas/* enum */.k5n(['push', 'pull-request'])
        .default('push')
        .describe('push: commit to `branch` directly; pull-request: push a branch and open a pull request for review.'),
    pull_request: schemas/* strictObject */.rej({
        repository: schemas/* string */.YjP()
            .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/)
            .describe('owner/repo of the GitOps repository on GitHub (where the pull request is opened).'),
        draft: schemas/* boolean */.zMY().default(false),
    })
        .optional()
        .describe('Pull request settings (mode pull-request).'),
    author: schemas/* strictObject */.rej({ name: schemas/* string */.YjP().min(1), email: schemas/* string */.YjP().min(1) })
        .default({ name: 'dataops-actions', email: 'dataops-actions@users.noreply.github.com' })
        .describe('Git author of the deploy commits.'),
    render: schemas/* boolean */.zMY().default(true).describe('Validate the overlay by rendering it with `kubectl kustomize` (skipped with a note when kubectl is missing).'),
})
    .describe('GitOps target: set the digest in an overlay, commit with trailers, push or open a pull request.');
/** Target `kubernetes`: server-side apply of a kustomize overlay, then rollout status. */
const kubernetesTargetSchema = schemas/* strictObject */.rej({
    kubeconfig: schemas/* string */.YjP().optional().describe('Path of the kubeconfig file. Default: KUBECONFIG / ~/.kube/config.'),
    context: schemas/* string */.YjP().optional().describe('kubeconfig context.'),
    namespace: schemas/* string */.YjP().optional().describe('Namespace to apply into.'),
    manifests: schemas/* string */.YjP().min(1).describe('Kustomize directory (overlay) applied with `kubectl apply -k`, relative to dataops.yml.'),
    image_name: schemas/* string */.YjP().min(1).optional().describe('Image name in the manifests replaced by the digest reference (`kustomize edit set image`). Default: the project name.'),
    rollout: schemas/* array */.YOg(schemas/* string */.YjP().regex(/^[a-z]+(\.[a-z0-9.]+)?\/[a-z0-9.-]+$/, 'write kind/name, e.g. deployment/api'))
        .default([])
        .describe('Resources whose rollout is awaited (`kubectl rollout status`), e.g. deployment/api.'),
    timeout_seconds: seconds(300, 3600).describe('Rollout timeout per resource.'),
    selector: schemas/* string */.YjP().optional().describe('Label selector of the pods inspected for a failure reason, e.g. app=api.'),
})
    .describe('Kubernetes target (kubectl).');
/** Target `cloud-run`: a new revision of a Cloud Run service through the Cloud Run Admin API v2. */
const cloudRunTargetSchema = schemas/* strictObject */.rej({
    project: schemas/* string */.YjP().min(1).describe('Google Cloud project id.'),
    region: schemas/* string */.YjP().min(1).describe('Region, e.g. europe-west1.'),
    service: schemas/* string */.YjP().min(1).describe('Cloud Run service name.'),
    container: schemas/* string */.YjP().optional().describe('Container name to update (default: the first container).'),
    tag: schemas/* string */.YjP()
        .regex(/^[a-z][a-z0-9-]{0,45}$/)
        .optional()
        .describe('Deploy the revision with no traffic under this tag first (https://TAG---SERVICE-…run.app), then shift traffic.'),
    traffic_percent: schemas/* number */.aig().int().min(0).max(100).default(100).describe('Traffic sent to the new revision after deploy (0: tag only).'),
})
    .describe('Cloud Run target (@google-cloud/run, Admin API v2).');
/** Target `command`: a user script. */
const commandTargetSchema = schemas/* strictObject */.rej({
    run: schemas/* string */.YjP()
        .min(1)
        .describe('Command run with `sh -c` in the project directory; env DATAOPS_IMAGE, DATAOPS_DIGEST, DATAOPS_ENVIRONMENT, DATAOPS_SOURCE_SHA, DATAOPS_PREVIOUS_DIGEST.'),
    timeout_seconds: seconds(900).describe('Kill the command after this many seconds.'),
})
    .describe('Command target: your own deploy script.');
/** The deploy targets. */
const TARGETS = ['gitops', 'kubernetes', 'cloud-run', 'command'];
/** One environment. Exactly the settings block of its `target` is required. */
const environmentSchema = schemas/* strictObject */.rej({
    target: schemas/* enum */.k5n(TARGETS).default('gitops').describe('Where the digest goes: gitops (default), kubernetes, cloud-run or command.'),
    environment_url: schemas/* string */.YjP().url().optional().describe('URL of the deployed environment, shown on the GitHub deployment.'),
    production: schemas/* boolean */.zMY().optional().describe('Mark GitHub deployments as production (default: true for an environment named production).'),
    gitops: gitopsTargetSchema.optional(),
    kubernetes: kubernetesTargetSchema.optional(),
    cloud_run: cloudRunTargetSchema.optional(),
    command: commandTargetSchema.optional(),
})
    .superRefine((env, ctx) => {
    const key = env.target === 'cloud-run' ? 'cloud_run' : env.target;
    if (!env[key])
        ctx.addIssue({ code: 'custom', path: [key], message: `target "${env.target}" needs a "${key}:" block with its settings` });
})
    .describe('An environment.');
/** `deploy.verify.smoke`. */
const smokeSchema = schemas/* strictObject */.rej({
    http: schemas/* strictObject */.rej({
        url: schemas/* string */.YjP().url().describe('URL probed with GET.'),
        expect_status: schemas/* number */.aig().int().min(100).max(599).default(200).describe('Expected HTTP status.'),
        expect_body: schemas/* string */.YjP().optional().describe('Regular expression the response body must match.'),
        attempts: schemas/* number */.aig().int().min(1).max(100).default(5).describe('Attempts before the probe fails (backoff with jitter between them).'),
        timeout_seconds: seconds(10, 300).describe('Timeout of one request.'),
    })
        .optional()
        .describe('HTTP probe of the deployed service.'),
    job: schemas/* strictObject */.rej({
        input: schemas/* string */.YjP().min(1).default('fixtures').describe('Input directory mounted at /data/in, relative to dataops.yml.'),
        timeout_seconds: seconds(600, 7200).describe('Kill the job after this many seconds.'),
        expect_outputs: schemas/* array */.YOg(schemas/* string */.YjP().min(1)).default([]).describe('Files (relative to /data/out) the job must write.'),
    })
        .optional()
        .describe('Run the deployed image once on the fixtures (a batch job).'),
})
    .describe('Smoke checks of the deployed digest.');
/** `deploy.verify.performance`. */
const performanceSchema = schemas/* strictObject */.rej({
    input: schemas/* string */.YjP().min(1).default('fixtures').describe('Fixture directory scaled up for the run, relative to dataops.yml.'),
    scale_factor: schemas/* number */.aig().int().min(1).max(10_000).default(10).describe('The input is N× the fixtures (rows of CSV/Parquet/JSON files duplicated with DuckDB).'),
    scale_files: schemas/* array */.YOg(schemas/* string */.YjP().min(1))
        .default([])
        .describe('File name globs of the fixtures whose rows are duplicated (fact data); other files are copied unchanged (lookup tables with unique keys). Default: every CSV/Parquet/JSON file.'),
    max_duration_seconds: schemas/* number */.aig().positive().optional().describe('Budget: wall-clock duration of the run.'),
    min_rows_per_second: schemas/* number */.aig().positive().optional().describe('Budget: input rows processed per second.'),
    max_peak_memory_mb: schemas/* number */.aig().positive().optional().describe('Budget: peak memory of the run in MiB.'),
    regression_threshold_percent: schemas/* number */.aig()
        .min(0)
        .max(1000)
        .default(25)
        .describe('Fail when the duration is this much slower than the last successful baseline.'),
    timeout_seconds: seconds(1800, 7200).describe('Kill the run after this many seconds.'),
    memory_limit: schemas/* string */.YjP().optional().describe('Container memory limit, e.g. 1g.'),
})
    .describe('Performance budget on scaled input.');
/** `deploy.verify`. */
const verifyConfigSchema = schemas/* strictObject */.rej({
    environment: schemas/* string */.YjP().min(1).default('staging').describe('Environment verified.'),
    smoke: smokeSchema.default({}),
    performance: performanceSchema.optional(),
    baseline_dir: schemas/* string */.YjP().min(1).default('.dataops/baselines').describe('Directory of the local performance baselines (<environment>.json), relative to dataops.yml.'),
})
    .describe('Staging verification: smoke checks and performance budget.');
const deployConfigSchema = schemas/* strictObject */.rej({
    environments: schemas/* record */.g1P(schemas/* string */.YjP().regex(/^[a-z][a-z0-9_-]*$/, 'use lower-case letters, digits, "_" or "-"'), environmentSchema)
        .describe('Environments by name (staging, production…).'),
    verify: verifyConfigSchema.optional(),
    deployments_log: schemas/* string */.YjP()
        .default('.dataops/deployments.json')
        .describe('Local deployment records (used when no GitHub token is configured), relative to dataops.yml.'),
})
    .describe('Deploy settings: environments and their targets, staging verification.');

;// CONCATENATED MODULE: ./build/core/promotion/config.js
/**
 * `promotion` in dataops.yml: how the promotion message is signed (sigstore keyless or an Ed25519
 * key), how it travels (Google Cloud Pub/Sub or GitHub `repository_dispatch`) and the verification
 * policy the production side applies before it deploys anything.
 */

const globList = schemas/* array */.YOg(schemas/* string */.YjP().min(1));
const signingConfigSchema = schemas/* strictObject */.rej({
    mode: schemas/* enum */.k5n(['sigstore', 'key'])
        .default('key')
        .describe('"sigstore": keyless signature bound to the workflow identity (GitHub OIDC → Fulcio certificate, Rekor transparency log). "key": Ed25519 JWS (EdDSA) with a key pair from secrets.'),
    key_id: schemas/* string */.YjP().min(1).default('dataops-promotion-1').describe('Key id ("kid") written into the JWS header and looked up on verification (mode key).'),
    private_key_env: schemas/* string */.YjP()
        .regex(/^[A-Z_][A-Z0-9_]*$/)
        .default('DATAOPS_PROMOTION_PRIVATE_KEY')
        .describe('Environment variable holding the Ed25519 private key (PKCS#8 PEM or JWK JSON) used to sign (mode key).'),
    public_keys_env: schemas/* string */.YjP()
        .regex(/^[A-Z_][A-Z0-9_]*$/)
        .default('DATAOPS_PROMOTION_PUBLIC_KEYS')
        .describe('Environment variable holding the trusted public keys: a JWKS JSON ({"keys":[…]} with "kid"), a single JWK or an SPKI PEM (mode key).'),
    public_keys_file: schemas/* string */.YjP().optional().describe('File (relative to dataops.yml) holding the trusted public keys as JWKS JSON (mode key). Used when the environment variable is unset.'),
})
    .describe('Signing of the promotion message.');
const pubsubConfigSchema = schemas/* strictObject */.rej({
    project: schemas/* string */.YjP().min(1).default('dataops-local').describe('Google Cloud project id of the topic and subscription.'),
    topic: schemas/* string */.YjP().min(1).default('dataops-promotions').describe('Topic the promotion message is published to.'),
    subscription: schemas/* string */.YjP().min(1).default('dataops-promotions-production').describe('Pull subscription the production side (`dataops promote listen`) reads.'),
    dead_letter_topic: schemas/* string */.YjP().min(1).default('dataops-promotions-dead-letter').describe('Dead-letter topic for messages the consumer keeps failing.'),
    max_delivery_attempts: schemas/* number */.aig().int().min(5).max(100).default(5).describe('Delivery attempts before a message goes to the dead-letter topic (Pub/Sub allows 5-100).'),
    message_ordering: schemas/* boolean */.zMY()
        .default(false)
        .describe('Create the subscription with message ordering (messages carry the ordering key pipeline/environment either way). Off by default: the consumer refuses promotions older than the deployed one anyway, and the Pub/Sub emulator does not dead-letter ordered subscriptions.'),
    ack_deadline_seconds: schemas/* number */.aig().int().min(10).max(600).default(60).describe('Ack deadline of the subscription, in seconds.'),
})
    .describe('Google Cloud Pub/Sub transport (honours PUBSUB_EMULATOR_HOST).');
const dispatchConfigSchema = schemas/* strictObject */.rej({
    repository: schemas/* string */.YjP().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/).optional().describe('owner/repo receiving the repository_dispatch event (default: the current repository).'),
    event_type: schemas/* string */.YjP().min(1).max(100).default('dataops-promotion').describe('event_type of the repository_dispatch (what the production workflow listens for).'),
})
    .describe('GitHub repository_dispatch transport.');
const transportConfigSchema = schemas/* strictObject */.rej({
    type: schemas/* enum */.k5n(['gcp-pubsub', 'github-dispatch']).default('gcp-pubsub').describe('How the signed message travels to the production side.'),
    pubsub: pubsubConfigSchema.default(pubsubConfigSchema.parse({})),
    dispatch: dispatchConfigSchema.default(dispatchConfigSchema.parse({})),
})
    .describe('Transport of the promotion message.');
const policyConfigSchema = schemas/* strictObject */.rej({
    repository: schemas/* string */.YjP().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/).optional().describe('owner/repo allowed to promote (names can be re-registered: the ids below are what counts).'),
    repository_id: schemas/* union */.KCZ([schemas/* number */.aig().int(), schemas/* string */.YjP().regex(/^\d+$/)]).transform(String).optional().describe('Numeric GitHub repository id allowed to promote (from GET /repos/{owner}/{repo}).'),
    repository_owner_id: schemas/* union */.KCZ([schemas/* number */.aig().int(), schemas/* string */.YjP().regex(/^\d+$/)]).transform(String).optional().describe('Numeric GitHub owner id allowed to promote; a fork has a different owner id.'),
    signer_workflows: globList
        .default([])
        .describe('Allowed signer workflows (`job_workflow_ref`, e.g. "octo/dataops/.github/workflows/dataops.yml@refs/tags/v1*"); "*" matches any run of characters. Empty: any workflow of the allowed repository.'),
    allowed_refs: globList.default(['refs/heads/main', 'refs/tags/*']).describe('Git refs the promoted commit may come from.'),
    max_age_seconds: schemas/* number */.aig().int().min(60).max(30 * 24 * 3600).default(24 * 3600).describe('Messages older than this (by CloudEvents time) are refused, as are messages past their expires_at.'),
    clock_skew_seconds: schemas/* number */.aig().int().min(0).max(600).default(60).describe('Tolerated clock difference between signer and verifier, in seconds.'),
    algorithms: schemas/* array */.YOg(schemas/* enum */.k5n(['EdDSA'])).default(['EdDSA']).describe('JWS algorithms accepted in key mode (EdDSA only; "none" and HMAC are never accepted).'),
    issuers: schemas/* array */.YOg(schemas/* string */.YjP().min(1))
        .default(['https://token.actions.githubusercontent.com'])
        .describe('Accepted issuers of the signer identity: the GitHub Actions OIDC issuer; add "local" to accept messages signed on a workstation with a trusted key (mode key).'),
})
    .describe('Verification policy applied before anything is deployed.');
const promotionConfigSchema = schemas/* strictObject */.rej({
    signing: signingConfigSchema.default(signingConfigSchema.parse({})),
    transport: transportConfigSchema.default(transportConfigSchema.parse({})),
    policy: policyConfigSchema.default(policyConfigSchema.parse({})),
    environment: schemas/* string */.YjP().min(1).default('production').describe('Environment the promotion deploys to.'),
    staging_environment: schemas/* string */.YjP().min(1).default('staging').describe('Environment whose successful deployment of the digest is required first.'),
    production_repository: schemas/* string */.YjP()
        .regex(/^[a-z0-9.-]+(?::\d+)?\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/, 'write registry-host[:port]/repository, without tag or digest')
        .optional()
        .describe('registry/repository the promoted digest is copied to (by digest, cross-repository blob mount where the registry allows). Default: production runs the staging reference unchanged.'),
    ledger_file: schemas/* string */.YjP().default('.dataops/promotions.json').describe('Local ledger of consumed promotion ids (idempotency without GitHub), relative to dataops.yml.'),
    expires_in_seconds: schemas/* number */.aig().int().min(60).max(30 * 24 * 3600).default(24 * 3600).describe('Lifetime written into the message (data.expires_at).'),
})
    .describe('Signed promotion from staging to production.');
/** Defaults of every promotion setting (the section may be absent from dataops.yml). */
function defaultPromotionConfig() {
    return promotionConfigSchema.parse({});
}

;// CONCATENATED MODULE: ./build/core/project.js
/**
 * The project file, `dataops.yml`: names the pipeline, its datasets and suites, and the settings of
 * each later stage (image, deploy, promotion). Validated by zod; `schemas/dataops-project.schema.json`
 * is generated from the same schema.
 */









/** Conventional file name looked up in a project directory. */
const PROJECT_FILE = 'dataops.yml';
/** zod schema of dataops.yml (version 1). */
const projectSchema = schemas/* strictObject */.rej({
    $schema: schemas/* string */.YjP().optional(),
    version: schemas/* literal */.euz(1).describe('Project file format version. Only 1 exists.'),
    name: schemas/* string */.YjP()
        .regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lower-case letters, digits, ".", "_" or "-"')
        .describe('Pipeline name: used in image names, ordering keys and deployment records.'),
    description: schemas/* string */.YjP().optional(),
    datasets: projectDatasetsSchema.default({}).describe('Datasets every suite can use, by name.'),
    quality: qualityConfigSchema.optional(),
    image: imageConfigSchema.optional(),
    deploy: deployConfigSchema.optional(),
    promotion: promotionConfigSchema.optional(),
})
    .describe('dataops-actions project file (dataops.yml).');
/**
 * Loads `dataops.yml` from a file path or from a directory that contains one.
 * @throws ConfigError when the file is missing, not YAML, or invalid (each invalid field named with its line).
 */
async function loadProject(fileOrDir) {
    let file = external_node_path_.resolve(fileOrDir);
    if (!/\.ya?ml$/.test(file))
        file = external_node_path_.join(file, PROJECT_FILE);
    try {
        await (0,promises_.access)(file);
    }
    catch {
        throw new errors/* ConfigError */.xL(`no project file found`, {
            location: { file: external_node_path_.relative(process.cwd(), file) || file },
            fix: `Create ${PROJECT_FILE} (run "dataops init") or pass --project <dir|file>.`,
        });
    }
    const source = await (0,yaml/* readYamlFile */.kv)(file);
    const config = (0,yaml/* validateYaml */.uW)(projectSchema, source, `See schemas/dataops-project.schema.json for the allowed fields.`);
    return { file, dir: external_node_path_.dirname(file), config, lineOf: source.lineOf };
}


/***/ })

};
