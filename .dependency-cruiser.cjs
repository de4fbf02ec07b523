/**
 * The borders of ofn-local's source, checked in CI (`npm run lint:deps`). ARCHITECTURE.md says why.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Modules form layers: a cycle means two of them are one.',
      from: { path: '^src' },
      to: { circular: true },
    },
    {
      name: 'model-is-pure',
      severity: 'error',
      comment: 'The model turns manifests into typed functions and touches no I/O beyond reading the files it is given.',
      from: { path: '^src/model' },
      to: { path: '^(src/(daemon|runtime|gateway|builders|sidecar|dapr-components|cli|tui|watch|services|testing)/|node_modules/(dockerode|chokidar|express|ink))' },
    },
    {
      name: 'nothing-imports-cli-or-tui',
      severity: 'error',
      comment: 'The CLI and the terminal UI are clients of the daemon; nothing else depends on them.',
      from: { path: '^src', pathNot: '^src/(cli|tui)/' },
      to: { path: '^src/(cli|tui)/' },
    },
    {
      name: 'framework-ships-alone',
      severity: 'error',
      comment: 'The functions framework is bundled into images: it imports only itself and src/shared.',
      from: { path: '^src/framework/' },
      to: { path: '^src/', pathNot: '^src/(framework|shared)/' },
    },
    {
      name: 'sidecar-ships-alone',
      severity: 'error',
      comment: 'The Dapr sidecar is bundled on its own: it imports only itself, the Dapr components, src/shared and the import-free src/errors.ts.',
      from: { path: '^src/sidecar/' },
      to: { path: '^src/', pathNot: '^src/((sidecar|dapr-components|shared)/|errors\\.ts$)' },
    },
    {
      name: 'dapr-components-stand-alone',
      severity: 'error',
      comment: 'The Dapr components (bindings, pubsubs, state and secret stores, their broker clients) serve the sidecar and the event sources alike: they import only themselves, src/shared and src/errors.ts.',
      from: { path: '^src/dapr-components/' },
      to: { path: '^src/', pathNot: '^src/((dapr-components|shared)/|errors\\.ts$)' },
    },
    {
      name: 'events-use-no-sidecar-internals',
      severity: 'error',
      comment: 'The event sources reach Dapr components through src/dapr-components, never through the sidecar, which is a program of its own.',
      from: { path: '^src/events/' },
      to: { path: '^src/sidecar/' },
    },
    {
      name: 'controllers-talk-through-the-bus',
      severity: 'error',
      comment: "The daemon's controllers never call each other (nor the daemon): they emit and react to events on its bus (src/daemon/bus.ts).",
      from: { path: '^src/daemon/controllers/' },
      to: { path: '^src/daemon/(controllers/|daemon\\.ts$)', pathNot: '^src/daemon/controllers/context\\.ts$' },
    },
    {
      name: 'protocol-stands-alone',
      severity: 'error',
      comment: "src/protocol is what crosses the daemon's border (the journal's events, the status, DaemonApi, the one reducer): every side reads it, so it imports nothing of the daemon, the runtimes, the CLI, the UI or the test API.",
      from: { path: '^src/protocol/' },
      to: { path: '^src/(daemon|runtime|cli|tui|testing)/' },
    },
    {
      name: 'tui-reads-the-protocol',
      severity: 'error',
      comment: "The terminal UI is a client of the daemon: it knows it only through src/protocol (DaemonApi, the project state), never the daemon's parts.",
      from: { path: '^src/tui/' },
      to: { path: '^src/', pathNot: '^src/((tui|protocol|shared)/|errors\\.ts$)' },
    },
    {
      name: 'cli-reaches-docker-through-others',
      severity: 'error',
      comment: 'The CLI talks to the daemon (or a builder, or the folder sweep, which connect to the engine themselves): it holds no Docker handle of its own.',
      from: { path: '^src/cli/' },
      to: { path: '^(src/runtime/docker/|node_modules/dockerode)' },
    },
    {
      name: 'errors-is-a-leaf',
      severity: 'error',
      comment: 'src/errors.ts (the one error type) is imported by every part, the shipped ones too: it imports nothing.',
      from: { path: '^src/errors\\.ts$' },
      to: { path: '^src/' },
    },
    {
      name: 'shared-is-a-leaf',
      severity: 'error',
      comment: 'src/shared is what the shipped parts and the daemon both use: it depends on none of them.',
      from: { path: '^src/shared/' },
      to: { path: '^src/', pathNot: '^src/shared/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs', '.cjs'] },
  },
};
