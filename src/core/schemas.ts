/**
 * Registry of the JSON Schemas generated from zod schemas (scripts/gen-schemas.ts writes them to
 * schemas/; a test fails when the committed copies are stale). Editors use them for completion
 * and validation; `dataops lint` validates user files with ajv against them.
 */
import { z } from 'zod';
import { suiteSchema } from './quality/suite.ts';
import { projectSchema } from './project.ts';
import { promotionEventSchema } from './promotion/message.ts';
import { dataManifestSchema } from './data/manifest.ts';

/** A JSON Schema generated from a zod schema. */
export interface SchemaEntry {
  /** File name under schemas/. */
  file: string;
  /** Title shown by editors. */
  title: string;
  schema: z.ZodType;
}

export const SCHEMAS: SchemaEntry[] = [
  { file: 'quality-suite.schema.json', title: 'dataops-actions quality suite', schema: suiteSchema },
  { file: 'dataops-project.schema.json', title: 'dataops-actions project file (dataops.yml)', schema: projectSchema },
  { file: 'promotion-message.schema.json', title: 'dataops-actions promotion message (CloudEvents 1.0)', schema: promotionEventSchema },
  { file: 'data-manifest.schema.json', title: 'dataops-actions data manifest', schema: dataManifestSchema },
];

/** JSON Schema (draft-07, input shape: defaults are optional) for one registry entry. */
export function toJsonSchema(entry: SchemaEntry): Record<string, unknown> {
  const json = z.toJSONSchema(entry.schema, { io: 'input', target: 'draft-7', unrepresentable: 'any' }) as Record<string, unknown>;
  return { $id: `https://github.com/dataops-actions/dataops-actions/schemas/${entry.file}`, title: entry.title, ...json };
}

/** Serialised form as committed: two-space JSON with a trailing newline. */
export function renderJsonSchema(entry: SchemaEntry): string {
  return JSON.stringify(toJsonSchema(entry), null, 2) + '\n';
}
