#!/usr/bin/env node
// Entry point of the `dataops` CLI. In a checkout of dataops-actions (src/ present, not inside
// node_modules) it runs the TypeScript source on Node 24+, so edits need no rebuild; an installed
// package (npm install <tarball|git url>) runs the compiled build/ that `npm pack` produced
// (Node does not strip types of files under node_modules).
//
// Node's compile cache is on before anything else loads (NODE_COMPILE_CACHE, else
// <os temp dir>/node-compile-cache; NODE_DISABLE_COMPILE_CACHE=1 turns it off): the stripped
// TypeScript and the compiled code of every module are kept, keyed by content, so a start with a
// warm cache neither loads the TypeScript stripper nor recompiles (`dataops --help` ~200 ms less CPU).
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';
try {
  module.enableCompileCache?.();
} catch {
  // an optimisation only: an unwritable temp directory runs uncached
}
const source = new URL('../src/cli/main.ts', import.meta.url);
const compiled = new URL('../build/cli/main.js', import.meta.url);
const checkout = existsSync(source) && !fileURLToPath(source).split(/[\\/]/).includes('node_modules');
await import((checkout || !existsSync(compiled) ? source : compiled).href);
