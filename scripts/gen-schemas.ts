/** Writes schemas/*.schema.json from the zod schemas registered in src/core/schemas.ts. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderJsonSchema, SCHEMAS } from '../src/core/schemas.ts';

const dir = path.resolve(import.meta.dirname, '..', 'schemas');
await mkdir(dir, { recursive: true });
for (const entry of SCHEMAS) {
  await writeFile(path.join(dir, entry.file), renderJsonSchema(entry));
  process.stderr.write(`wrote schemas/${entry.file}\n`);
}
