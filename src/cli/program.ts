import { Command, InvalidArgumentError, Option } from 'commander';
import { downCommand } from './commands/down.js';
import { exportCommand } from './commands/export.js';
import { invokeCommand } from './commands/invoke.js';
import { logsCommand } from './commands/logs.js';
import { statusCommand } from './commands/status.js';
import { upCommand } from './commands/up.js';
import { uiCommand } from './commands/ui.js';
import { publishCommand } from './commands/publish.js';
import { execCommand } from './commands/exec.js';
import { eventsCommand, eventsPublishCommand } from './commands/events.js';
import { builderBuildCommand } from './commands/builder.js';
import { buildCommand } from './commands/build.js';
import { sidecarMain } from '../sidecar/index.js';
import { DEFAULT_DAPRD_VERSION } from '../daemon/dapr-mode.js';
import type { CliIo } from './io.js';

export const DEFAULT_GATEWAY_PORT = 8480;

export function createProgram(io: CliIo): Command {
  const program = new Command('ofn-local')
    .description('OpenFunction on your laptop: your Function manifests, built and served locally')
    .version('0.1.0')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  const setExit = (code: number) => {
    process.exitCode = code;
  };

  program
    .command('up')
    .description('build and serve the project (folder or manifest files; default: this folder)')
    .argument('[inputs...]', 'project folder and/or manifest files')
    .option('--port <n>', 'gateway port (0 = any free port)', port, DEFAULT_GATEWAY_PORT)
    .option('-d, --detach', 'return once ready and leave the daemon running in the background')
    .option('--idle-timeout <s>', 'seconds without requests before a function scales to zero', seconds, 30)
    .option('--ready-timeout <s>', 'seconds a request waits for an instance to start before a 503', seconds, 60)
    .addOption(new Option('--runtime <kind>', 'where instances run (default: docker when an engine answers)').choices(['docker', 'process']))
    .addOption(new Option('--zero <mode>', 'how an instance sits at zero: stop (cold start) or pause (frozen)').choices(['stop', 'pause']).default('stop'))
    .option('--base-image <ref>', 'base image of function images (default node:20-bookworm-slim, else the offline base)')
    .addOption(buildOption())
    .option('--builder-image <ref>', 'with --build buildpacks: the builder image for every function (default spec.build.builder when the engine has or can pull it, else the offline builder)')
    .option('--no-watch', 'do not reload on file changes (hot reload is on by default)')
    .addOption(daprOption())
    .addOption(daprdVersionOption())
    .option('--cooldown <s>', 'seconds without backlog before an async function with KEDA triggers scales to zero (default: its cooldownPeriod, else 300)', seconds)
    .option('-v, --verbose', 'print build output and every instance event')
    .option('--host <addr>', 'address the gateway and control API listen on (0.0.0.0 inside a container)', '127.0.0.1')
    .option('--control-port <n>', 'control API port (default any free one)', port)
    .option('--ci', 'headless: start, check every function gets ready, run the command after -- (if any), tear down, exit with its code')
    .addOption(new Option('--daemon-child').hideHelp())
    .action(async (args: string[], opts, cmd: Command) => {
      if (!opts.ci) return setExit(await upCommand(args, opts, io));
      const { inputs, command } = splitCommand(args, cmd);
      // In CI any free port unless one is asked for: parallel jobs on one machine never collide.
      const chosenPort = cmd.getOptionValueSource('port') === 'default' ? 0 : opts.port;
      setExit(await execCommand(inputs, command, { port: chosenPort, runtime: opts.runtime, readyTimeout: opts.readyTimeout, baseImage: opts.baseImage, dapr: opts.dapr, daprdVersion: opts.daprdVersion, allowNoCommand: true }, io));
    });

  program
    .command('exec')
    .description('CI: start the project, run a test command against it, tear down, exit with its code')
    .usage('[inputs...] [options] -- <command...>')
    .argument('[inputs...]', 'project folder and/or manifest files, then -- and the command')
    .option('--port <n>', 'gateway port (default: any free port)', port, 0)
    .addOption(new Option('--runtime <kind>', 'where instances run (default: docker when an engine answers)').choices(['docker', 'process']))
    .option('--ready-timeout <s>', 'seconds a request waits for an instance before a 503', seconds, 60)
    .option('--base-image <ref>', 'base of function images')
    .addOption(daprOption())
    .addOption(daprdVersionOption())
    .action(async (args: string[], opts, cmd: Command) => {
      const { inputs, command } = splitCommand(args, cmd);
      setExit(await execCommand(inputs, command, opts, io));
    });

  program
    .command('status')
    .description("the functions of this folder's running project")
    .option('--json', 'machine-readable output')
    .option('--project <dir>', 'the project folder (default: found from here)')
    .action(async (opts) => setExit(await statusCommand(opts, io)));

  program
    .command('invoke')
    .description('call a sync function through the gateway, or send an async function an event through its input binding, and print the answer')
    .argument('<name>', 'function name')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('--data <json|@file>', 'request body (POSTed; JSON sets content-type application/json)')
    .option('--path <p>', 'path after the function URL')
    .option('-X, --method <m>', 'HTTP method (default GET, or POST with --data)')
    .option('--input <binding>', 'async functions: the input binding the event comes through (when there are several)')
    .option('--project <dir>', 'the project folder (default: found from here)')
    .action(async (name: string, opts) => setExit(await invokeCommand(name, opts, io)));

  program
    .command('logs')
    .description("a function's build and instance output")
    .argument('<name>', 'function name')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-f, --follow', 'keep printing new lines')
    .option('--project <dir>', 'the project folder (default: found from here)')
    .action(async (name: string, opts) => setExit(await logsCommand(name, opts, io)));

  program
    .command('ui')
    .description('the live terminal UI of a running project (attach to `up --detach`; q closes it, the daemon keeps running)')
    .option('--project <dir>', 'the project folder (default: found from here)')
    .option('-v, --verbose', 'without a terminal: also print build output and every instance event')
    .action(async (opts) => setExit(await uiCommand(opts, io)));

  program
    .command('publish')
    .description("publish to a topic through the Dapr sidecar of a running function that has the pubsub")
    .argument('<pubsub>', 'pubsub component name')
    .argument('<topic>', 'topic')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('--data <json|@file>', 'the message (JSON gets content-type application/json)', '{}')
    .option('--project <dir>', 'the project folder (default: found from here)')
    .action(async (pubsub: string, topic: string, opts) => setExit(await publishCommand(pubsub, topic, opts, io)));

  const events = program
    .command('events')
    .description("OpenFunction Events: every event's hops (source → bus → trigger → sink or topic), or `events publish`")
    .option('-f, --follow', 'keep printing new hops')
    .option('--json', 'one journal entry (JSON) per hop')
    .option('-n, --namespace <ns>', 'only events of this namespace')
    .option('--project <dir>', 'the project folder (default: found from here)')
    .action(async (opts) => setExit(await eventsCommand(opts, io)));
  events
    .command('publish')
    .description('an event as if its EventSource produced it')
    .argument('<eventsource>', 'EventSource name')
    .argument('<event>', 'event name (a key under one of its source kinds)')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('--data <json|@file>', 'the payload (JSON gets content-type application/json)', '{}')
    .option('--project <dir>', 'the project folder (default: found from here)')
    .action(async (eventSource: string, event: string, opts) => setExit(await eventsPublishCommand(eventSource, event, opts, io)));

  program
    .command('export')
    .description("write the manifests that give this project's behaviour on an OpenFunction cluster, or --check manifests")
    .argument('[inputs...]', 'project folder and/or manifest files (default: this folder)')
    .option('-o, --output <dir|->', 'a folder for one file per manifest, or - for one YAML stream on stdout (default)')
    .option('--registry <registry>', 'registry the cluster build pushes to: images become <registry>/<name>:<version>')
    .addOption(new Option('--api-version <version>', 'Function apiVersion to write').choices(['v1beta2', 'v1beta1']).default('v1beta2'))
    .option('--check', "check manifests against the CRD schemas and ofn-local's rules instead; exit 1 on any problem")
    .option('--crds <dir>', "folder with OpenFunction's CRDs (default: $OFN_LOCAL_CRDS, else ../shared/crds beside ofn-local)")
    .action(async (inputs: string[], opts) => setExit(await exportCommand(inputs, opts, io)));

  program
    .command('build')
    .description("build every function's image as the cluster would (buildpacks unless --build fast), named as `export --registry` names it; prints each image name")
    .argument('[inputs...]', 'project folder and/or manifest files (default: this folder)')
    .addOption(buildOption())
    .option('--registry <registry>', 'images become <registry>/<name>:<version> (default spec.image, else ofn-local/<name>:<version>)')
    .option('--builder-image <ref>', 'the buildpacks builder for every function (default spec.build.builder when the engine has or can pull it, else the offline builder)')
    .option('-v, --verbose', 'print build output')
    .action(async (inputs: string[], opts) => setExit(await buildCommand(inputs, opts, io)));

  program
    .command('builder')
    .description('the offline buildpacks builder (for --build buildpacks without a registry)')
    .command('build')
    .description('assemble the offline builder on this engine: lifecycle from the Go module proxy, stack images from the offline base, ofn-local\'s Node and Go buildpacks; prints its name')
    .option('--force', 'rebuild even when it is up to date')
    .option('--tag <ref>', 'name of the builder image (default ofn-local/cnb-builder:bookworm)')
    .option('--lifecycle <dir>', 'a lifecycle folder laid out as /cnb/lifecycle, lifecycle.toml beside it (default: built from the Go module proxy)')
    .action(async (opts) => setExit(await builderBuildCommand(opts, io)));

  program
    .command('sidecar')
    .description("run ofn-local's Dapr sidecar with daprd's flags (e.g. --app-id x --app-port 8080 --resources-path ./components)")
    .helpOption(false)
    .passThroughOptions()
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .argument('[daprd-flags...]')
    .action(async (flags: string[]) => setExit(await sidecarMain(flags)));

  program
    .command('down')
    .description('stop the project and remove its containers and network')
    .option('--project <dir>', 'the project folder (default: found from here)')
    .action(async (opts) => setExit(await downCommand(opts, io)));

  return program;
}

/**
 * Everything after `--` is the command; commander hands it over among the operands. It keeps the
 * raw argv (untyped) on the program, where `--` marks where the command starts.
 */
function splitCommand(args: string[], cmd: Command): { inputs: string[]; command: string[] } {
  const raw = (cmd.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? [];
  const dash = raw.indexOf('--');
  const command = dash >= 0 ? raw.slice(dash + 1) : [];
  return { inputs: args.slice(0, args.length - command.length), command };
}

/** `--build`: ofn-local's fast builders (the inner loop's default) or the CNB lifecycle, as the cluster builds. */
function buildOption(): Option {
  return new Option('--build <kind>', "how functions are built: ofn-local's fast builders, or buildpacks (the CNB lifecycle, as the cluster builds; default: ofn-local.yaml's build, else fast)").choices(['fast', 'buildpacks']);
}

/** `--dapr` and `--daprd-version`, the same for `up` and `exec`. */
function daprOption(): Option {
  return new Option('--dapr <mode>', "whose Dapr sidecar runs beside functions: ofn-local's own, or the real daprd (daprio/daprd image; a daprd binary on the process runtime)")
    .choices(['embedded', 'daprd'])
    .default('embedded');
}

function daprdVersionOption(): Option {
  return new Option('--daprd-version <v>', 'daprd version for --dapr daprd').default(DEFAULT_DAPRD_VERSION);
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`expected a port from 0 to 65535, got "${v}"`);
  return n;
}

function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a number of seconds above 0, got "${v}"`);
  return n;
}
