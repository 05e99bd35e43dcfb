/**
 * The project file, `dataops.yml`: names the pipeline, its datasets and suites, and the settings of
 * each later stage (image, deploy, promotion). Validated by zod; `schemas/dataops-project.schema.json`
 * is generated from the same schema.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { readYamlFile, validateYaml } from './yaml.ts';
import { confineProjectPaths } from './project-paths.ts';
import { projectDatasetsSchema, qualityConfigSchema } from './quality/config.ts';
import { connectionsSchema } from './connections.ts';
import { imageConfigSchema } from './image/config.ts';
import { deployConfigSchema } from './deploy/config.ts';
import { promotionConfigSchema } from './promotion/config.ts';
import { lintConfigSchema } from './lint/config.ts';
import { schemaUrl } from './schema-url.ts';

/** Conventional file name looked up in a project directory. */
export const PROJECT_FILE = 'dataops.yml';

/** zod schema of dataops.yml (version 1). */
export const projectSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1).describe('Project file format version. Only 1 exists.'),
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lower-case letters, digits, ".", "_" or "-"')
      .describe('Pipeline name: used in image names, ordering keys and deployment records.'),
    description: z.string().optional(),
    datasets: projectDatasetsSchema.default({}).describe('Datasets every suite can use, by name.'),
    connections: connectionsSchema.optional(),
    quality: qualityConfigSchema.optional(),
    image: imageConfigSchema.optional(),
    deploy: deployConfigSchema.optional(),
    promotion: promotionConfigSchema.optional(),
    lint: lintConfigSchema.optional(),
  })
  .describe('dataops-actions project file (dataops.yml).');

/** A validated project, with the directory its relative paths resolve from. */
export type ProjectConfig = z.output<typeof projectSchema>;
export interface Project {
  /** Absolute path of dataops.yml. */
  file: string;
  /** Directory holding dataops.yml; relative paths in it resolve from here. */
  dir: string;
  config: ProjectConfig;
  /** 1-based line of a field of dataops.yml, for annotations. */
  lineOf: (path: ReadonlyArray<string | number>) => number | undefined;
}

/**
 * Loads `dataops.yml` from a file path or from a directory that contains one. On a runner, pass its
 * `workspace`: the project's paths are then confined to it (project-paths.ts).
 * @throws ConfigError when the file is missing, not YAML, or invalid (each invalid field named with its line),
 *   or when a path it names leads outside the project or into `.git` or a credential file
 *   (PathAccessError, see project-paths.ts).
 */
export async function loadProject(fileOrDir: string, opts: { workspace?: string | undefined } = {}): Promise<Project> {
  let file = path.resolve(fileOrDir);
  if (!/\.ya?ml$/.test(file)) file = path.join(file, PROJECT_FILE);
  try {
    await access(file);
  } catch {
    throw new ConfigError(`no project file found`, {
      location: { file: path.relative(process.cwd(), file) || file },
      fix: `Create ${PROJECT_FILE} (run "dataops init") or pass --project <dir|file>.`,
    });
  }
  const source = await readYamlFile(file);
  const config = validateYaml(projectSchema, source, `See ${schemaUrl('dataops-project.schema.json')} for the allowed fields.`);
  const project = { file, dir: path.dirname(file), config, lineOf: source.lineOf };
  await confineProjectPaths(project, opts.workspace);
  return project;
}
