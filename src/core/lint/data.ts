/**
 * Reference data of the offline rules: archived action repositories, popular actions (for
 * typosquat detection), cache-aware and publishing actions, actions that install an unpinned tool,
 * actions the runner makes superfluous. Facts about public repositories as of the date below,
 * compiled from zizmor's data files and audits (https://github.com/zizmorcore/zizmor, MIT) and the
 * actions' own action.yml; review when updating.
 */

/** Action repositories known to be archived (owner/repo, lower-case); last reviewed 2026-05-01. */
export const ARCHIVED_REPOSITORIES = new Set(
  `8398a7/action-slack actions-rs/audit-check actions-rs/cargo actions-rs/clippy-check actions-rs/components-nightly actions-rs/grcov
actions-rs/install actions-rs/tarpaulin actions-rs/toolchain actions/create-release actions/setup-elixir actions/setup-haskell actions/setup-ruby
actions/upload-release-asset actionstoolbox/gem-build-and-release-action allanchain/poetry-cache-action andrewmcodes-archive/rubocop-linter-action
artichoke/setup-rust aslafy-z/conventional-pr-title-action azure/appconfiguration-sync azure/appservice-actions azure/azure-resource-login-action
azure/container-actions azure/container-scan azure/data-factory-deploy-action azure/data-factory-export-action azure/data-factory-validate-action
azure/get-keyvault-secrets azure/k8s-actions azure/manage-azure-policy azure/publish-security-assessments azure/run-sqlpackage-action
azure/spring-cloud-deploy azure/webapps-container-deploy cedrickring/golang-action cirrus-actions/rebase contributor-assistant/github-action
cpcloud/flake-update-action crazy-max/ghaction-docker-buildx crazy-max/ghaction-hugo decathlon/pull-request-labeler-action delaguardo/setup-graalvm
dulvui/godot-android-export elstudio/actions-settings expo/expo-preview-action fabasoad/setup-zizmor-action facebook/pysa-action
fregante/release-with-changelog google/mirror-branch-action google/skywater-pdk-actions gradle/gradle-build-action grafana/k6-action
hashicorp/terraform-cdk-action helaili/github-graphql-action helaili/jekyll-action ilshidur/action-slack irgolic/autopr jakejarvis/backblaze-b2-action
jakejarvis/cloudflare-purge-action jakejarvis/firebase-deploy-action jakejarvis/hugo-build-action jakejarvis/lighthouse-action jakejarvis/s3-sync-action
jimmygchen/runner-fallback-action justinribeiro/lighthouse-action kanadgupta/glitch-sync kxxt/chatgpt-action lapras-inc/resume-sync-action liskin/gh-pipx
machine-learning-apps/wandb-action mansagroup/gcs-cache-action marvinpinto/action-automatic-releases marvinpinto/actions maxheld83/ghpages
meilcli/danger-action meilcli/gradle-update-check-action meilcli/npm-update-check-action meilcli/nuget-update-check-action micnncim/action-lgtm-reaction
mikepenz/gradle-dependency-submission niklasmerz/github-deployment-action orf/cargo-bloat-action paambaati/codeclimate-action
philips-software/docker-ci-scripts primer/figma-action reasonsoftware/action-pylint repo-sync/pull-request repo-sync/repo-sync
sagebind/docker-swarm-deploy-action scottbrenner/generate-changelog-action secrethub/actions semgrep/semgrep-action shaunlwm/action-release-debugapk
soichisumi/issue-copy-action sonarsource/sonarcloud-github-action stefafafan/psi-action stefanprodan/kube-tools suzuki-shunsuke/github-action-format
suzuki-shunsuke/github-action-tflint suzuki-shunsuke/github-action-tfsec suzuki-shunsuke/required-status-check-action suzuki-shunsuke/trivy-config-action
suzuki-shunsuke/validate-pr-review-action svenstaro/upx-action swiftdocorg/github-wiki-publish-action tachiyomiorg/issue-moderator-action
technote-space/auto-cancel-redundant-workflow technote-space/get-diff-action tencentcloudbase/cloudbase-action tibdex/github-app-token trmcnvn/chrome-addon
verygoodopensource/very_good_coverage whelk-io/maven-settings-xml-action yeslayla/build-godot-action youyo/aws-cdk-github-actions
yumemi-inc/clean-cache-action z0al/dependent-issues`.split(/\s+/),
);

/** Popular actions (owner/repo, lower-case) that typosquatters imitate. */
export const POPULAR_ACTIONS = [
  'actions/checkout', 'actions/setup-node', 'actions/setup-python', 'actions/setup-go', 'actions/setup-java', 'actions/setup-dotnet', 'actions/cache',
  'actions/upload-artifact', 'actions/download-artifact', 'actions/github-script', 'actions/labeler', 'actions/stale', 'actions/create-github-app-token',
  'actions/attest-build-provenance', 'actions/configure-pages', 'actions/deploy-pages', 'actions/upload-pages-artifact', 'actions/dependency-review-action',
  'docker/login-action', 'docker/build-push-action', 'docker/setup-buildx-action', 'docker/setup-qemu-action', 'docker/metadata-action',
  'github/codeql-action', 'pypa/gh-action-pypi-publish', 'aws-actions/configure-aws-credentials', 'azure/login', 'google-github-actions/auth',
  'google-github-actions/setup-gcloud', 'softprops/action-gh-release', 'peter-evans/create-pull-request', 'codecov/codecov-action',
  'astral-sh/setup-uv', 'hashicorp/setup-terraform', 'golangci/golangci-lint-action', 'pnpm/action-setup', 'ruby/setup-ruby',
  'dtolnay/rust-toolchain', 'swatinem/rust-cache', 'sigstore/cosign-installer', 'slackapi/slack-github-action', 'ossf/scorecard-action',
];

/** A cache-aware action and how its caching is switched. */
export interface CacheAware {
  /** owner/repo[/path], lower-case. */
  uses: string;
  /** Input that switches caching; absent: always caches. */
  input?: string;
  /** `in`: caching only when the input is set truthy (or to one of `values`); `out`: caching unless the input is truthy. */
  toggle?: 'in' | 'out';
  /** Value when the input is absent: true means caching is on by default (for `in`). */
  defaultOn?: boolean;
  /** Only these values enable caching (`in` with free strings: any non-empty value). */
  values?: string[];
}

/** Cache-aware actions (after zizmor's cache-poisoning audit and each action's action.yml). */
export const CACHE_AWARE: CacheAware[] = [
  { uses: 'actions/cache', input: 'lookup-only', toggle: 'out' },
  { uses: 'actions/setup-java', input: 'cache', toggle: 'in', defaultOn: false },
  { uses: 'actions/setup-go', input: 'cache', toggle: 'in', defaultOn: true },
  { uses: 'actions/setup-node', input: 'cache', toggle: 'in', defaultOn: false, values: ['npm', 'yarn', 'pnpm'] },
  { uses: 'actions/setup-python', input: 'cache', toggle: 'in', defaultOn: false },
  { uses: 'actions/setup-dotnet', input: 'cache', toggle: 'in', defaultOn: false },
  { uses: 'astral-sh/setup-uv', input: 'enable-cache', toggle: 'in', defaultOn: true },
  { uses: 'swatinem/rust-cache', input: 'lookup-only', toggle: 'out' },
  { uses: 'ruby/setup-ruby', input: 'bundler-cache', toggle: 'in', defaultOn: false },
  { uses: 'pyo3/maturin-action', input: 'sccache', toggle: 'in', defaultOn: false },
  { uses: 'mlugg/setup-zig', input: 'use-cache', toggle: 'in', defaultOn: true },
  { uses: 'oven-sh/setup-bun', input: 'no-cache', toggle: 'out' },
  { uses: 'determinatesystems/magic-nix-cache-action', input: 'use-gha-cache', toggle: 'in', defaultOn: true },
  { uses: 'graalvm/setup-graalvm', input: 'cache', toggle: 'in', defaultOn: false },
  { uses: 'gradle/actions/setup-gradle', input: 'cache-disabled', toggle: 'out' },
  { uses: 'docker/setup-buildx-action', input: 'cache-binary', toggle: 'in', defaultOn: true },
  { uses: 'actions-rust-lang/setup-rust-toolchain', input: 'cache', toggle: 'in', defaultOn: true },
  { uses: 'mozilla-actions/sccache-action' },
  { uses: 'nix-community/cache-nix-action' },
  { uses: 'jdx/mise-action', input: 'cache', toggle: 'in', defaultOn: true },
  { uses: 'ramsey/composer-install', input: 'ignore-cache', toggle: 'out' },
  { uses: 'awalsh128/cache-apt-pkgs-action' },
];

/** Actions that publish what the job built (owner/repo[/path], lower-case); `push` gates docker/build-push-action. */
export const PUBLISHERS = [
  'pypa/gh-action-pypi-publish', 'rubygems/release-gem', 'jreleaser/release-action', 'goreleaser/goreleaser-action', 'softprops/action-gh-release',
  'release-drafter/release-drafter', 'googleapis/release-please-action', 'docker/build-push-action', 'redhat-actions/push-to-registry',
  'aws-actions/amazon-ecs-deploy-task-definition', 'aws-actions/aws-cloudformation-github-deploy', 'azure/aci-deploy', 'azure/container-apps-deploy-action',
  'azure/functions-action', 'azure/sql-action', 'cloudflare/wrangler-action', 'google-github-actions/deploy-appengine', 'google-github-actions/deploy-cloudrun',
  'google-github-actions/deploy-cloud-functions',
];

/** Setup actions that install the latest tool unless told a version: action → [input, value meaning "latest"]. */
export const UNPINNED_TOOL_ACTIONS: Record<string, [string, string]> = {
  'aquasecurity/setup-trivy': ['version', 'latest'],
  'aquasecurity/trivy-action': ['version', 'latest'],
  '1password/load-secrets-action': ['version', 'latest'],
  'extractions/setup-just': ['just-version', '*'],
  'extractions/setup-crate': ['version', '*'],
};

/** Actions whose work the runner already does: action → [advice, lowest persona]. */
export const SUPERFLUOUS_ACTIONS: Record<string, [string, 'regular' | 'pedantic']> = {
  'ncipollo/release-action': ['use `gh release` in a script step', 'regular'],
  'softprops/action-gh-release': ['use `gh release` in a script step', 'regular'],
  'elgohr/github-release-action': ['use `gh release` in a script step', 'regular'],
  'peter-evans/create-pull-request': ['use `gh pr create` in a script step', 'pedantic'],
  'peter-evans/create-or-update-comment': ['use `gh pr comment` or `gh issue comment` in a script step', 'pedantic'],
  'dacbd/create-issue-action': ['use `gh issue create` in a script step', 'regular'],
  'actions-ecosystem/action-add-labels': ['use `gh issue edit --add-label` in a script step', 'regular'],
  'actions-ecosystem/action-remove-labels': ['use `gh issue edit --remove-label` in a script step', 'regular'],
  'svenstaro/upload-release-action': ['use `gh release create` and `gh release upload` in a script step', 'regular'],
  'addnab/docker-run-action': ['use `docker run` in a script step, or a container step', 'regular'],
  'sergeysova/jq-action': ['use `jq` in a script step', 'regular'],
  'dtolnay/rust-toolchain': ['use `rustup` and/or `cargo` in a script step', 'pedantic'],
};

/** Runner labels of GitHub-hosted runners (anything else, or `self-hosted`, is self-hosted). */
export const HOSTED_LABEL = /^(ubuntu|windows|macos)(-(latest|slim|\d+(\.\d+)?))?(-(arm|arm64|xl|xlarge|large|intel|\d+-cores?))*$/i;
