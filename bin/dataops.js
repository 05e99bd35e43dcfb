#!/usr/bin/env node
// Installed entry point: the compiled CLI (npm run build) or, on Node 24+, the TypeScript source.
import { existsSync } from 'node:fs';
const compiled = new URL('../build/cli/main.js', import.meta.url);
await import(existsSync(compiled) ? compiled.href : new URL('../src/cli/main.ts', import.meta.url).href);
