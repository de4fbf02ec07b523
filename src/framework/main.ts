/**
 * Entry point of the bundled framework (`ofn-framework.cjs`): read the configuration,
 * load the user's function, serve it over HTTP on PORT.
 */
import cluster from 'node:cluster';
import http from 'node:http';

import { DaprHttpClient } from './dapr-client.js';
import { describeError, FrameworkStartError } from './errors.js';
import { ContextUtils } from './function-context.js';
import { exitGracefullyOnSignals } from './graceful-shutdown.js';
import { createAsyncApp } from './async-server.js';
import { createHttpApp } from './http-app.js';
import { loadUserFunction } from './module-loader.js';
import { HELP_TEXT, OptionsError, parseOptions } from './options.js';
import { logEscapedErrors } from './process-errors.js';
import { getRegistry } from './registry.js';
import { requestHandlerFor } from './request-handler.js';
import { loadUserPlugins, PluginChain } from './user-plugins.js';
import { RETIRE_MESSAGE, reloadRequested, runSupervisor } from './supervisor.js';
import { retireServer } from './graceful-shutdown.js';
import { exitWithParent } from '../shared/parent-watch.js';

async function main(): Promise<void> {
  if (cluster.isPrimary) exitWithParent();
  const options = parseOptions(process.argv.slice(2), process.env);
  if (options.printHelp) {
    console.error(HELP_TEXT);
    return;
  }
  if (options.contextError !== undefined) {
    console.error(`ofn-framework: ignoring FUNC_CONTEXT: ${options.contextError}`);
  }
  const context = options.context;
  if (context?.pluginsTracing?.enabled) {
    console.warn(
      'ofn-framework: pluginsTracing is enabled in FUNC_CONTEXT, but ofn-local has no tracing plugin; ignoring it.',
    );
  }

  // Exists before user code runs, so the shim registers into it and reuses its Plugin class.
  getRegistry();
  const loaded = await loadUserFunction(options.source, options.target, options.signatureType);
  const isAsync = ContextUtils.IsAsyncRuntime(context);
  const plugins =
    loaded.signatureType === 'openfunction' || isAsync ? await loadUserPlugins(options.source, context) : PluginChain.EMPTY;
  const services = { dapr: new DaprHttpClient(process.env), plugins };
  // Async runtime: whatever the signature, the function is a Dapr app (as upstream decides).
  const app = isAsync
    ? createAsyncApp(loaded.userFunction, context, services)
    : createHttpApp(loaded.signatureType, await requestHandlerFor(loaded.signatureType, loaded.userFunction, context, services));

  const server = http.createServer(app);
  // Like upstream: no socket or request time limit (long-running functions are allowed).
  server.setTimeout(0);
  server.requestTimeout = 0;
  // ofn-local's gateway keeps connections alive and drops idle ones after 4 s; outlasting that here
  // means the gateway never reuses a socket this server is closing.
  server.keepAliveTimeout = 65_000;
  server.on('error', (err) => {
    console.error(`ofn-framework: cannot serve on port ${options.port}: ${err.message}`);
    process.exit(1);
  });
  logEscapedErrors();
  exitGracefullyOnSignals(server);
  if (cluster.isWorker) {
    // Hot reload: a newer worker took over; finish what this one has and go.
    process.on('message', (msg) => {
      if (msg === RETIRE_MESSAGE) retireServer(server);
    });
  }

  const port = /^\d+$/.test(options.port) ? Number(options.port) : options.port;
  // A host process (ofn-local's process runtime) serves on loopback only, reached through the
  // gateway; in a container every interface, as in a pod.
  const host = process.env.OFN_LOCAL_LISTEN_HOST || undefined;
  const listening = () => {
    const mode = isAsync ? `async, ${Object.keys(context?.inputs ?? {}).length} input(s)` : loaded.signatureType;
    console.log(`ofn-framework: serving ${options.target} (${mode}) on port ${options.port}`);
  };
  if (typeof port === 'number') server.listen(port, host, listening);
  else server.listen(port, listening);
  if (isAsync) {
    // As upstream's DaprServer: the app waits for its sidecar and gives up if it never answers.
    services.dapr.waitForSidecar().catch((err: unknown) => {
      console.error(`ofn-framework: the Dapr sidecar never answered at ${services.dapr.origin}: ${describeError(err)}`);
      process.exit(1);
    });
  }
}

if (reloadRequested(process.env)) {
  // Dev mode's primary holds the port and its workers: it too goes when its ofn-local dies.
  exitWithParent();
  runSupervisor();
} else main().catch((err: unknown) => {
  if (err instanceof FrameworkStartError || err instanceof OptionsError) {
    console.error(`ofn-framework: ${err.message}`);
  } else {
    console.error(`ofn-framework: failed to start: ${describeError(err)}`);
  }
  process.exit(1);
});
