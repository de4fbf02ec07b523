/**
 * Real brokers for sidecar tests, started from the Debian binaries on this machine on
 * free ports and killed by the test that started them: Redis (`redis-server --save ''`),
 * Mosquitto (anonymous on 127.0.0.1), NATS with JetStream (`nats-server -js`). A missing
 * binary skips the tests that need it, with a message, unless OFN_LOCAL_REQUIRE_BROKERS=1
 * (CI), where it is a failure. Kafka is not started here: tests use the broker at
 * OFN_LOCAL_KAFKA (host:port) when one answers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export type BrokerKind = 'redis' | 'mosquitto' | 'nats';

const CANDIDATES: Record<BrokerKind, string[]> = {
  redis: ['/usr/bin/redis-server', '/usr/sbin/redis-server', '/usr/local/bin/redis-server'],
  mosquitto: ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'],
  nats: ['/usr/bin/nats-server', '/usr/sbin/nats-server', '/usr/local/bin/nats-server'],
};

const requireBrokers = process.env.OFN_LOCAL_REQUIRE_BROKERS === '1';

export function brokerBinary(kind: BrokerKind): string | undefined {
  const fromPath = (process.env.PATH ?? '')
    .split(path.delimiter)
    .map((dir) => path.join(dir, kind === 'redis' ? 'redis-server' : kind === 'nats' ? 'nats-server' : 'mosquitto'));
  return [...CANDIDATES[kind], ...fromPath].find((p) => existsSync(p));
}

/**
 * Whether the broker can be started. False (and a console note) when its binary is
 * missing; throws instead when OFN_LOCAL_REQUIRE_BROKERS=1.
 */
export function brokerAvailable(kind: BrokerKind): boolean {
  if (brokerBinary(kind)) return true;
  const message = `${kind} binary not found (looked in ${CANDIDATES[kind].join(', ')} and PATH)`;
  if (requireBrokers) throw new Error(`${message}; OFN_LOCAL_REQUIRE_BROKERS=1 makes this a failure`);
  console.warn(`skipping ${kind} tests: ${message}`);
  return false;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs = 10_000, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface StartedBroker {
  kind: BrokerKind;
  host: string;
  port: number;
  /** `127.0.0.1:6379`, `tcp://127.0.0.1:1883`, `nats://127.0.0.1:4222`. */
  url: string;
  /** Output of the broker process (for failure messages). */
  output(): string;
  /** Kills the broker (SIGKILL unless `graceful`), waits for the exit, removes its files. */
  stop(graceful?: boolean): Promise<void>;
  /** Starts it again on the same port (for outage tests), after `whileDown` when given. */
  restart(whileDown?: () => Promise<void>): Promise<void>;
}

async function launch(kind: BrokerKind, port: number, dir: string): Promise<{ child: ChildProcess; out: string[] }> {
  const binary = brokerBinary(kind);
  if (!binary) throw new Error(`${kind} binary not found`);
  let args: string[];
  if (kind === 'redis') {
    args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  } else if (kind === 'mosquitto') {
    const conf = path.join(dir, 'mosquitto.conf');
    await writeFile(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
    args = ['-c', conf];
  } else {
    args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir];
  }
  const out: string[] = [];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => out.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => out.push(d.toString()));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${kind} exited with code ${code} before listening:\n${out.join('')}`))),
  );
  await Promise.race([waitForPort(port), exited]);
  return { child, out };
}

const live = new Set<StartedBroker>();

/** Starts a broker on a free port. */
export async function startBroker(kind: BrokerKind): Promise<StartedBroker> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), `ofn-${kind}-`));
  let current = await launch(kind, port, dir);
  const kill = async (graceful: boolean): Promise<void> => {
    const { child } = current;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(graceful ? 'SIGTERM' : 'SIGKILL');
    await gone;
  };
  const url = kind === 'redis' ? `127.0.0.1:${port}` : kind === 'mosquitto' ? `tcp://127.0.0.1:${port}` : `nats://127.0.0.1:${port}`;
  const broker: StartedBroker = {
    kind,
    host: '127.0.0.1',
    port,
    url,
    output: () => current.out.join(''),
    async stop(graceful = false) {
      live.delete(broker);
      await kill(graceful);
      await rm(dir, { recursive: true, force: true });
    },
    async restart(whileDown?: () => Promise<void>) {
      await kill(false);
      await whileDown?.();
      current = await launch(kind, port, dir);
    },
  };
  live.add(broker);
  return broker;
}

/** Kafka brokers this process started (kafkaBroker), stopped by stopAllBrokers. */
const liveKafka = new Set<() => Promise<void>>();

/** Stops every broker still running (use in afterAll as a safety net). */
export async function stopAllBrokers(): Promise<void> {
  await Promise.all([...[...live].map((b) => b.stop()), ...[...liveKafka].map((stop) => stop())]);
}

/**
 * host:port of a Kafka broker that answers: OFN_LOCAL_KAFKA (or KAFKA_BROKERS) when set; else, when
 * OFN_LOCAL_KAFKA_LIBS names the broker jars (docker/kafka/fetch-kafka.sh; CI sets it), a
 * single-node KRaft broker started here for this test file and stopped when it ends. Undefined when
 * neither is there (a failure instead with OFN_LOCAL_REQUIRE_BROKERS=1).
 */
export async function kafkaBroker(): Promise<string | undefined> {
  const address = process.env.OFN_LOCAL_KAFKA ?? process.env.KAFKA_BROKERS;
  if (address) {
    const [host = '127.0.0.1', port = '9092'] = address.split(',')[0]!.trim().split(':');
    try {
      await waitForPort(Number(port), 2000, host);
      return address;
    } catch {
      if (requireBrokers) throw new Error(`no Kafka broker answers at ${address}; OFN_LOCAL_REQUIRE_BROKERS=1 makes this a failure`);
      return undefined;
    }
  }
  const libs = process.env.OFN_LOCAL_KAFKA_LIBS;
  if (!libs) {
    if (requireBrokers) throw new Error('no Kafka broker: set OFN_LOCAL_KAFKA or OFN_LOCAL_KAFKA_LIBS; OFN_LOCAL_REQUIRE_BROKERS=1 makes this a failure');
    return undefined;
  }
  const port = await freePort();
  const controllerPort = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ofn-kafka-'));
  const script = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'docker', 'kafka', 'run-kafka.sh');
  const child = spawn('bash', [script], {
    env: { ...process.env, KAFKA_LIBS: libs, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(controllerPort), KAFKA_DATA: dir },
    stdio: 'ignore',
  });
  // Stopped by stopAllBrokers() in the test file's afterAll; the exit hook is only a safety net
  // (it does not run when the test runner kills its worker).
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    liveKafka.delete(stop);
    child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  liveKafka.add(stop);
  process.once('exit', () => child.kill('SIGKILL'));
  await waitForPort(port, 90_000);
  return `127.0.0.1:${port}`;
}

/**
 * Whether Kafka's jars are there (OFN_LOCAL_KAFKA_LIBS) for tests whose projects run Kafka as a
 * backing service; without them `what` is skipped with a message, or fails under OFN_LOCAL_REQUIRE_BROKERS=1.
 */
export function kafkaJarsAvailable(what: string): boolean {
  const libs = process.env.OFN_LOCAL_KAFKA_LIBS;
  if (libs && existsSync(libs)) return true;
  const message = `skipping ${what}: no Kafka jars (export OFN_LOCAL_KAFKA_LIBS=$(bash docker/kafka/fetch-kafka.sh))`;
  if (requireBrokers) throw new Error(`${message}; OFN_LOCAL_REQUIRE_BROKERS=1 makes this a failure`);
  console.warn(message);
  return false;
}

/** Both runtimes when an engine answers, else the process runtime only. */
export function runtimesToTest(hasDocker: boolean): ('process' | 'docker')[] {
  return hasDocker ? ['process', 'docker'] : ['process'];
}
