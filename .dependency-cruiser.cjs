/**
 * The layers of src/ (docs/architecture.md), checked by `npm run check:layers`: a folder imports
 * only the layers below it, never a layer above and never a folder beside it in its own layer; and
 * no import cycle, at any level. Type-only imports count: they tie the folders together as much.
 */

/** Top to bottom. `index` is src/index.ts, `errors` is src/errors.ts; every other name is a folder. */
const LAYERS = [
  ['cli', 'index'],
  // A fleet runs the library's operations (rollbackProject, baselineProject, repairProject) on each target.
  ['fleet'],
  ['api'],
  ['lifecycle'],
  ['execute'],
  ['plan', 'lint'],
  ['db', 'project'],
  ['config'],
  ['modules', 'graph'],
  ['engines', 'util', 'errors'],
];

const FILES = new Set(['index', 'errors']);
/** The path pattern of a folder or a file of src/. */
const pathOf = (name) => (FILES.has(name) ? `^src/${name}\\.ts$` : `^src/${name}/`);

const below = (depth) =>
  LAYERS.slice(depth + 1)
    .map((layer) => layer.join('/'))
    .join(' → ');

/** For each name: a rule that forbids importing its own layer's other members and every layer above. */
const layerRules = LAYERS.flatMap((layer, depth) =>
  layer.map((name) => {
    const notBelow = LAYERS.slice(0, depth + 1)
      .flat()
      .filter((other) => other !== name);
    return {
      name: `layer-${name}`,
      comment: `src/${name} imports only the layers below it: ${below(depth)}`,
      severity: 'error',
      from: { path: pathOf(name) },
      to: { path: notBelow.map(pathOf) },
    };
  }),
);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      // A folder cycle cannot pass the layer rules. Between files, a cycle through a type-only
      // import is left alone (erased at build time: `db/<engine>/index.ts` names the
      // `EngineModule` type of `db/load-engine.ts`, which loads it); one that runs is an error.
      name: 'no-cycle',
      comment: 'an import cycle between modules that is there at run time (not only through types)',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'src-outside-layers',
      comment: 'every file of src/ belongs to a layer: add a new folder to LAYERS in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/', pathNot: LAYERS.flat().map(pathOf) },
      to: {},
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that resolves to no file',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
