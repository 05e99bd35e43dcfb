/**
 * Validation of project files (`dataops.yml`) and quality suites against their JSON Schemas with
 * ajv (draft-07). The schemas are the registry of src/core/schemas.ts (the same ones written to
 * schemas/); error locations come from the YAML document.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { SCHEMAS, toJsonSchema } from '../schemas.ts';
import { parseYaml } from '../yaml.ts';
import { isConfigError } from '../errors.ts';
import { helpUrl } from './rules.ts';
import type { Finding } from './types.ts';

/** Which schema a file is checked against (file name under schemas/). */
export type SchemaFile = 'dataops-project.schema.json' | 'quality-suite.schema.json';

// ajv-formats is CommonJS with `exports.default`: under Node's ESM interop the plugin sits on `.default`.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

const validators = new Map<string, ValidateFunction>();

function validator(file: SchemaFile): ValidateFunction {
  let v = validators.get(file);
  if (!v) {
    const entry = SCHEMAS.find((s) => s.file === file);
    if (!entry) throw new Error(`schema ${file} is not registered in src/core/schemas.ts`);
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    v = ajv.compile(toJsonSchema(entry));
    validators.set(file, v);
  }
  return v;
}

function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') return `unknown field "${String(p.additionalProperty)}"`;
  if (e.keyword === 'required') return `missing required field "${String(p.missingProperty)}"`;
  if (e.keyword === 'enum') return `${e.message ?? 'invalid value'}: ${JSON.stringify(p.allowedValues)}`;
  if (e.keyword === 'const') return `must be ${JSON.stringify(p.allowedValue)}`;
  return e.message ?? e.keyword;
}

function fieldOf(path: Array<string | number>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(root)';
}

/**
 * Validates a YAML file against a registered JSON Schema.
 * @returns `yaml-syntax` or `schema` findings (at most 20 per file), most specific first.
 */
export function lintAgainstSchema(file: string, text: string, schema: SchemaFile): Finding[] {
  let source;
  try {
    source = parseYaml(text, file);
  } catch (err) {
    if (!isConfigError(err)) throw err;
    return [{ ruleId: 'yaml-syntax', severity: 'error', file, line: err.location.line ?? 1, column: err.location.column ?? 1, message: err.message.replace(/^[^:]+:\d+(:\d+)?: /, ''), helpUrl: helpUrl('yaml-syntax') }];
  }
  const validate = validator(schema);
  if (validate(source.data)) return [];
  const errors = validate.errors ?? [];
  // anyOf/oneOf wrappers repeat what their branches said: keep the most specific error per path.
  const byPath = new Map<string, ErrorObject>();
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'if') continue;
    if (!byPath.has(e.instancePath)) byPath.set(e.instancePath, e);
  }
  const chosen = [...byPath.values()].sort((a, b) => b.instancePath.length - a.instancePath.length);
  const kept = chosen.filter((e) => !chosen.some((o) => o !== e && o.instancePath.startsWith(e.instancePath + '/')));
  const list = kept.length > 0 ? kept : errors.slice(0, 1);
  return list.slice(0, 20).map((e) => {
    const path = e.instancePath
      .split('/')
      .slice(1)
      .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const field = e.keyword === 'additionalProperties' ? [...path, String((e.params as { additionalProperty: string }).additionalProperty)] : path;
    return {
      ruleId: 'schema',
      severity: 'error' as const,
      file,
      line: source.lineOf(field) ?? 1,
      column: 1,
      message: `${fieldOf(field)}: ${describe(e)} (schemas/${schema}).`,
      helpUrl: helpUrl('schema'),
    };
  });
}
