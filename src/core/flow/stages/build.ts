/**
 * Flow stage `build-image`: builds the pipeline image (`image:` in dataops.yml; defaults: Dockerfile
 * and context next to dataops.yml, name `localhost/<project name>`) with docker buildx or buildah,
 * labels it with the content hashes of the quality suites that gated it, and hands on
 * `state.image = { name, digest, ref, tags, layoutDir, labels }` (the OCI layout under
 * `<workDir>/image/oci` holds exactly that manifest digest).
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { imageConfigSchema } from '../../image/config.ts';
import { buildImage, suiteHashes } from '../../image/build.ts';
import { hasTool } from '../../exec.ts';
import { detectBuilder } from '../../image/builder.ts';
import type { Stage } from '../types.ts';

export const buildStage: Stage = {
  name: 'build-image',
  title: 'Build the pipeline image',
  async run(ctx) {
    const config = ctx.project.config.image ?? imageConfigSchema.parse({});
    const dockerfile = path.resolve(ctx.project.dir, config.dockerfile);
    if (!ctx.project.config.image && !existsSync(dockerfile)) return { status: 'skipped', summary: 'no Dockerfile and no image settings' };
    const builder = config.builder === 'auto' ? await detectBuilder() : config.builder;
    if (builder === 'buildah' && !(await hasTool('buildah'))) return { status: 'skipped', summary: 'no builder: install buildah (or run where a Docker daemon answers)' };
    const suites = ctx.project.config.quality?.suites ?? [];
    const result = await buildImage({
      projectDir: ctx.project.dir,
      projectName: ctx.project.config.name,
      config,
      workDir: ctx.workDir,
      qualitySuites: await suiteHashes(ctx.project.dir, suites),
      now: ctx.now,
      log: (line) => ctx.log(line),
    });
    const { name, digest, ref, tags, layoutDir, labels } = result;
    ctx.state.image = { name, digest, ref, tags, layoutDir, labels };
    await writeFile(path.join(ctx.workDir, 'image', 'metadata.json'), JSON.stringify({ ...ctx.state.image, version: result.metadata.version, builder: result.builder, imageId: result.imageId }, null, 2) + '\n');
    return {
      status: 'passed',
      summary: `${ref}`,
      details: {
        digest,
        tags: tags.map((t) => t.slice(name.length + 1)).join(', '),
        builder: result.builder,
        'cached steps': result.cachedSteps,
        layout: path.relative(process.cwd(), layoutDir) || layoutDir,
      },
    };
  },
};
