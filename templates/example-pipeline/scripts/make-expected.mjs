#!/usr/bin/env node
// Regenerates expected/ by running the pipeline once on fixtures/ (the golden outputs the system
// test compares the image's outputs with). Usage: node scripts/make-expected.mjs
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';

const root = path.join(path.dirname(new URL(import.meta.url).pathname), '..');
const expected = path.join(root, 'expected');
rmSync(expected, { recursive: true, force: true });
execFileSync(process.execPath, [path.join(root, 'pipeline', 'main.mjs'), '--in', path.join(root, 'fixtures'), '--out', expected, '--threads', '1'], { stdio: 'inherit' });
