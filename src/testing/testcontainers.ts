/**
 * A Testcontainers module (`import { OfnLocalContainer } from 'ofn-local/testing/testcontainers'`):
 * ofn-local's daemon in a container with the Docker socket, serving a project folder, its gateway
 * and control API mapped out. Functions run as sibling containers on the same engine, as with `up`.
 *
 *     const started = await new OfnLocalContainer('./my-project').start();
 *     const res = await started.project.invoke('hello', { name: 'ci' });
 *     await started.stop();
 *
 * Without an image of your own, the image is built here from this ofn-local (no registry needed);
 * pass a published one to `new OfnLocalContainer(dir, { image })` to use that.
 */
import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { AbstractStartedContainer, GenericContainer, ImageName, Wait, type StartedTestContainer, type StopOptions, type StoppedTestContainer } from 'testcontainers';
import { projectId } from '../daemon/state.js';
import { registerInRun } from '../shared/run-registry.js';
import { ensureDaemonImage } from './daemon-image.js';
import { OfnProject } from './project.js';

const GATEWAY_PORT = 8480;
const CONTROL_PORT = 8481;

export interface OfnLocalContainerOptions {
  /** A daemon image (published, or built by you); default: built here from this package. */
  image?: string;
  /** Where the engine's socket is on this machine (default /var/run/docker.sock). */
  dockerSocket?: string;
  /** Receives the daemon image's build output. */
  log?: (line: string) => void;
}

export class OfnLocalContainer extends GenericContainer {
  readonly #root: string;
  readonly #opts: OfnLocalContainerOptions;
  readonly #token = randomBytes(24).toString('hex');
  readonly #name = `ofn-local-daemon-${randomBytes(4).toString('hex')}`;

  /** `projectDir`: the folder of manifests to serve (mounted at the same path, so builds and mounts agree). */
  constructor(projectDir: string, opts: OfnLocalContainerOptions = {}) {
    // The image is known only once start() has built it; it is set there.
    super(opts.image ?? 'ofn-local/daemon:pending');
    this.#root = path.resolve(projectDir);
    this.#opts = opts;
    const socket = opts.dockerSocket ?? '/var/run/docker.sock';
    this.withName(this.#name)
      .withBindMounts([
        { source: socket, target: '/var/run/docker.sock' },
        { source: this.#root, target: this.#root },
      ])
      .withEnvironment({ OFN_LOCAL_CONTROL_TOKEN: this.#token, OFN_LOCAL_DAEMON_CONTAINER: this.#name })
      .withWorkingDir(this.#root)
      .withCommand(['up', this.#root, '--host', '0.0.0.0', '--port', String(GATEWAY_PORT), '--control-port', String(CONTROL_PORT), '--no-watch', '--runtime', 'docker'])
      .withExposedPorts(GATEWAY_PORT, CONTROL_PORT)
      // "ready" is printed before the control API listens: wait for its port too.
      .withWaitStrategy(Wait.forAll([Wait.forLogMessage(/ready: gateway /), Wait.forListeningPorts()]))
      .withStartupTimeout(300_000);
  }

  override async start(): Promise<StartedOfnLocalContainer> {
    if (!this.#opts.image) {
      const tag = await ensureDaemonImage(new Docker(), this.#opts.log);
      // GenericContainer keeps the image it was made with; point it at the one just built.
      this.imageName = ImageName.fromString(tag);
      this.createOpts.Image = tag;
    }
    // A test that times out before stop(): the run's sweep removes the daemon container and what it made.
    const unregister = registerInRun({ projectId: projectId(this.#root), root: this.#root, stateDir: path.join(this.#root, '.ofn-local'), container: this.#name });
    let started: StartedTestContainer;
    try {
      started = await super.start();
    } catch (err) {
      // A container that never got ready may still be there (no reaper): it goes too.
      await sweep(this.#root, this.#name);
      unregister();
      throw err;
    }
    const controlUrl = `http://${started.getHost()}:${started.getMappedPort(CONTROL_PORT)}`;
    const gatewayUrl = `http://${started.getHost()}:${started.getMappedPort(GATEWAY_PORT)}`;
    try {
      const project = await OfnProject.attach({ controlUrl, token: this.#token, root: this.#root, gatewayUrl });
      return new StartedOfnLocalContainer(started, project, gatewayUrl, this.#root, unregister);
    } catch (err) {
      await started.stop({ timeout: 30_000 }).catch(() => undefined);
      await sweep(this.#root);
      unregister();
      throw err;
    }
  }
}

export class StartedOfnLocalContainer extends AbstractStartedContainer {
  constructor(
    started: StartedTestContainer,
    /** The test API on this daemon: invoke, publish, outputs, waitFor, logs. */
    readonly project: OfnProject,
    /** The gateway as this machine reaches it. */
    readonly gatewayUrl: string,
    readonly root: string,
    private readonly unregister: () => void = () => undefined,
  ) {
    super(started);
  }

  /** Stops the daemon (it removes its function containers and network), then its container. */
  override async stop(options?: Partial<StopOptions>): Promise<StoppedTestContainer> {
    await this.project.stop();
    const stopped = await super.stop({ timeout: 30_000, ...options });
    await sweep(this.root);
    this.unregister();
    return stopped;
  }
}

/** Anything of this folder a killed daemon could not remove (and the daemon's container when named). */
async function sweep(root: string, container?: string): Promise<void> {
  const docker = new Docker();
  if (container) await docker.getContainer(container).remove({ force: true }).catch(() => undefined);
  const filters = { label: [`io.ofn-local.root=${root}`] };
  for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
}
