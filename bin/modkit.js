#!/usr/bin/env node
// The CLI ships as one CommonJS bundle (npm run build): Node loads one file instead of resolving
// and linking ~50 ES modules, about 20 ms of every run. The library (dist/index.js) stays ESM.
import { createRequire } from 'node:module';

const { main } = createRequire(import.meta.url)('../dist/modkit-cli.cjs');
await main();
