import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackingServiceConfig } from '../model/project-config.js';
import { freePort } from '../runtime/process/process-runtime.js';
import { recordSpawn } from '../runtime/process/leftovers.js';
import { waitForPort } from '../runtime/wait-for-port.js';
import { splitLines } from '../runtime/split-lines.js';
import { ServiceError } from './errors.js';
import { RECIPES } from './recipes.js';
import { kafkaLibs } from './docker-services.js';

const KAFKA_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docker', 'kafka', 'run-kafka.sh');

export interface HostService {
  address: { host: string; port: number };
  /** Whether its process still runs. */
  alive(): Promise<boolean>;
  /** Starts it again on the same port and data folder (components were rendered with that port). */
  restart(): Promise<{ host: string; port: number }>;
  stop(): Promise<void>;
}

/**
 * A backing service as a host process on a free port (process runtime): Debian's redis-server,
 * mosquitto or nats-server, or Kafka from the jars docker/kafka/fetch-kafka.sh resolved
 * (OFN_LOCAL_KAFKA_LIBS). Components are pointed at it by the caller.
 */
export async function startHostService(svc: BackingServiceConfig, stateDir: string, log: (line: string, stream: 'stdout' | 'stderr') => void): Promise<HostService> {
  const port = await freePort();
  const dir = path.join(stateDir, 'services', svc.name);
  await mkdir(dir, { recursive: true });
  let command: string;
  let args: string[];
  let env: Record<string, string> = {};
  if (svc.type === 'kafka') {
    // OFN_LOCAL_KAFKA_LIBS, else what docker/kafka/fetch-kafka.sh resolves (cached after its first run).
    const libs = await kafkaLibs();
    command = 'bash';
    args = [KAFKA_SCRIPT];
    env = { KAFKA_LIBS: libs, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(await freePort()), KAFKA_DATA: dir };
  } else {
    const recipe = RECIPES[svc.type].hostCommand(port, dir);
    for (const [name, content] of Object.entries(recipe.files ?? {})) await writeFile(path.join(dir, name), content);
    ({ command, args } = recipe);
    env = recipe.env ?? {};
  }

  let child: ChildProcess;
  let exited: Promise<number | null>;
  const run = async (): Promise<void> => {
    const current: ChildProcess = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child = current;
    // A broker has no parent watch of its own: recorded, it is ended by the next start, down or sweep.
    recordSpawn(stateDir, current, 'service', svc.name);
    splitLines(current.stdout!, (line) => log(line, 'stdout'));
    splitLines(current.stderr!, (line) => log(line, 'stderr'));
    exited = new Promise<number | null>((resolve) => current.once('exit', resolve));
    const failed = new Promise<never>((_, reject) => {
      current.once('error', (err) => reject(new ServiceError('ERR_SERVICE_MISSING', `backing service ${svc.name}: cannot run ${command}: ${err.message}`, {}, `install it (Debian: apt-get install -y ${debianPackage(svc)})`)));
      void exited.then((code) => reject(new ServiceError('ERR_SERVICE_START', `backing service ${svc.name} (${svc.type}) exited with ${code} before listening`, { port })));
    });
    try {
      await Promise.race([waitForPort('127.0.0.1', port, { timeoutMs: 90_000, intervalMs: 50 }), failed]);
    } catch (err) {
      current.kill('SIGKILL');
      throw err;
    }
    failed.catch(() => undefined);
  };
  await run();
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    address: { host: '127.0.0.1', port },
    alive: async () => running(),
    restart: async () => {
      if (!running()) await run();
      return { host: '127.0.0.1', port };
    },
    stop: async () => {
      if (!running()) return;
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(kill);
    },
  };
}

function debianPackage(svc: BackingServiceConfig): string {
  return { redis: 'redis-server', mqtt: 'mosquitto', nats: 'nats-server', kafka: 'openjdk-17-jre-headless maven' }[svc.type];
}
