/**
 * One training run of the CLI's code cache (scripts/train-code-cache.mjs starts it as a process):
 * the CLI as bin/modkit.js runs it on Node < 22.1, compiled through the cache, which is written
 * again at exit with every function this run compiled. The shipped bin/modkit.js never writes it.
 * usage: node scripts/train-run.mjs <bundle> <cache> <modkit arguments...>
 */
import { requireWithCodeCache } from '../bin/code-cache.js';

const [bundle, cache, ...args] = process.argv.slice(2);
const { main } = requireWithCodeCache(bundle, cache, { train: true });
await main([process.argv[0], 'modkit', ...args]);
