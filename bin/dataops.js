#!/usr/bin/env node
// Entry point of the `dataops` CLI. In a checkout of dataops-actions (src/ present, not inside
// node_modules) it runs the TypeScript source on Node 24+, so edits need no rebuild; an installed
// package (npm install <tarball|git url>) runs the compiled build/ that `npm pack` produced
// (Node does not strip types of files under node_modules).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const source = new URL('../src/cli/main.ts', import.meta.url);
const compiled = new URL('../build/cli/main.js', import.meta.url);
const checkout = existsSync(source) && !fileURLToPath(source).split(/[\\/]/).includes('node_modules');
await import((checkout || !existsSync(compiled) ? source : compiled).href);
