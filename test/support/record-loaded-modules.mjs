// Preload for start-up tests (`node --import <this file> bin/modkit.js ...`): at exit, writes the
// files of every CommonJS module the process loaded (the drivers and knex are CommonJS, and an
// ESM `import` of them goes through the same cache) to $MODKIT_LOADED_MODULES_FILE, one a line.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const file = process.env.MODKIT_LOADED_MODULES_FILE;
if (file) process.on('exit', () => writeFileSync(file, Object.keys(require.cache).join('\n')));
