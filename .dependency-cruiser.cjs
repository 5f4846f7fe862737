/**
 * The shape of lab-server, checked on every `npm test` (docs/architecture.md draws it).
 * Rooms are ordered from the composition root down to the shared base; a module may import its own room
 * and rooms below it, never one above. Add a new folder to a level here when you add the folder.
 */
const LEVELS = [
  // 0: the composition root.
  ['lab-server/(app|main)\\.ts$'],
  // 1: features built on the labs (ops/: the operator's routes and the drain; its logger and metrics are base).
  ['lab-server/(workshops|preview)/', 'lab-server/ops/(?!(log|metrics)\\.ts$)'],
  // 2: the labs: catalog, admission, session assembly, the labs' API and terminal handler, the gate's host side.
  ['lab-server/labs/', 'lab-server/lab-sandbox\\.ts$'],
  // 3: transport.
  ['lab-server/ws/'],
  ['lab-server/http/'],
  // 5: the session, check and gate machinery.
  ['lab-server/(sessions|checks|gate)/', 'lab-server/lab-gate\\.ts$'],
  // 6: what they stand on.
  ['lab-server/(progress|runtime|tunnel)/'],
  ['lab-server/engine/(?!address\\.ts$)', 'lab-server/store/'],
  // 8: the base every room may use (the DOCKER_HOST parser is config's, though it lives beside the client;
  // the one logger and the metrics registry are every room's, though they live beside the operator's routes).
  ['lab-server/(config|errors|labels|lessons|images)\\.ts$', 'lab-server/engine/address\\.ts$', 'lab-server/ops/(log|metrics)\\.ts$'],
];

const up = [];
for (let level = 1; level < LEVELS.length; level++) {
  up.push({
    name: `no-import-up-from-level-${level}`,
    comment: 'An arrow that runs back up the list in docs/architecture.md: move the shared part down, or pass it in.',
    severity: 'error',
    from: { path: LEVELS[level] },
    to: { path: LEVELS.slice(0, level).flat() },
  });
}

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'An import cycle: the rooms are a list, not a web.',
      severity: 'error',
      from: { path: '^(lab-server|src|scripts|bench|test)/' },
      to: { circular: true },
    },
    {
      name: 'only-main-imports-app',
      comment: 'app.ts only wires, and only main.ts imports it: tests, the bench and scripts start a server through main.ts.',
      severity: 'error',
      from: { pathNot: '^lab-server/main\\.ts$' },
      to: { path: '^lab-server/app\\.ts$' },
    },
    {
      name: 'site-not-to-lab-server',
      comment: 'The site runs in the browser and at build time; what it shares with lab-server lives in src/lib.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^lab-server/' },
    },
    {
      name: 'lab-server-not-to-tools',
      comment: 'lab-server must not depend on scripts, bench or tests.',
      severity: 'error',
      from: { path: '^lab-server/' },
      to: { path: '^(scripts|bench|test)/' },
    },
    {
      name: 'every-room-is-listed',
      comment: 'A lab-server module outside every level of this file: add its folder to LEVELS.',
      severity: 'error',
      from: { path: '^lab-server/', pathNot: LEVELS.flat() },
      to: {},
    },
    ...up,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|\\.astro)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
