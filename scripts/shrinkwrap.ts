/**
 * `npm pack` hooks (prepack/postpack): ships package-lock.json as npm-shrinkwrap.json in the
 * tarball, so `npm install <tarball|git url>` of the CLI into another repository installs exactly
 * the dependency tree this repository was tested with (npm honours a shrinkwrap inside a package;
 * a package-lock.json there is ignored). Usage: node scripts/shrinkwrap.ts [--remove]
 */
import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const target = path.join(root, 'npm-shrinkwrap.json');
if (process.argv.includes('--remove')) await rm(target, { force: true });
else await copyFile(path.join(root, 'package-lock.json'), target);
