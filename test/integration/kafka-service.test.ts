/**
 * Kafka as a Docker backing service: the image built with no registry (Debian's JRE on the offline
 * base image plus the jars docker/kafka/fetch-kafka.sh resolved), started by startDockerService on a
 * fresh network. A client on the host uses the returned address (the EXTERNAL listener, advertised
 * as the container IP); a container on the network uses `kafka:9092` as manifests say.
 */
import Docker from 'dockerode';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFFLINE_BASE_IMAGE } from '../../src/builders/base-image.js';
import { LABEL_PROJECT } from '../../src/runtime/docker/labels.js';
import { startDockerService } from '../../src/services/docker-services.js';
import { hasDocker } from '../helpers/engine.js';

const requireBrokers = process.env.OFN_LOCAL_REQUIRE_BROKERS === '1';

/** Whether Kafka's jars can be had (the same sources startDockerService uses); a note when not. */
function kafkaJarsAvailable(): boolean {
  const fromEnv = process.env.OFN_LOCAL_KAFKA_LIBS;
  let libs = fromEnv;
  if (!libs) {
    try {
      libs = execFileSync('bash', [path.resolve('docker/kafka/fetch-kafka.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 600_000 }).trim();
    } catch {
      libs = undefined;
    }
  }
  if (libs && existsSync(libs)) return true;
  const message = 'no Kafka jars (set OFN_LOCAL_KAFKA_LIBS=$(bash docker/kafka/fetch-kafka.sh))';
  if (requireBrokers) throw new Error(`${message}; OFN_LOCAL_REQUIRE_BROKERS=1 makes this a failure`);
  console.warn(`skipping the Kafka service tests: ${message}`);
  return false;
}

const run = hasDocker && kafkaJarsAvailable();
const suffix = Math.random().toString(36).slice(2, 7);
const projectId = `ofn-local-test-kafka-${suffix}`;
const networkName = `${projectId}-net`;

describe.skipIf(!run)('Kafka as a Docker backing service', () => {
  const docker = new Docker();
  let address: { host: string; port: number };
  let image: string;
  let root: string;
  const log: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'ofn-kafka-svc-'));
    await docker.createNetwork({ Name: networkName, Labels: { [LABEL_PROJECT]: projectId } });
    const base = async () => ({ ref: OFFLINE_BASE_IMAGE, id: (await docker.getImage(OFFLINE_BASE_IMAGE).inspect()).Id });
    ({ address } = await startDockerService(
      { name: 'kafka', type: 'kafka', port: 9092 },
      { docker, projectId, root, network: networkName, base, log: (line) => log.push(line) },
    ));
    const [svc] = await docker.listContainers({ filters: { label: [`${LABEL_PROJECT}=${projectId}`, 'io.ofn-local.service=kafka'] } });
    image = svc!.Image;
  }, 900_000);

  afterAll(async () => {
    const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL_PROJECT}=${projectId}`] } });
    await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    await docker.getNetwork(networkName).remove().catch(() => undefined);
    // The broker's data volume (labelled like its container).
    const { Volumes } = await docker.listVolumes({ filters: { label: [`${LABEL_PROJECT}=${projectId}`] } });
    await Promise.all((Volumes ?? []).map((v) => docker.getVolume(v.Name).remove().catch(() => undefined)));
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('builds an image tagged by content and returns the EXTERNAL listener on the container IP', async () => {
    expect(image).toMatch(/^ofn-local\/service-kafka:[0-9a-f]{12}$/);
    expect(address.port).toBe(9094);
    const [svc] = await docker.listContainers({ filters: { label: [`${LABEL_PROJECT}=${projectId}`, 'io.ofn-local.service=kafka'] } });
    expect(address.host).toBe(svc!.NetworkSettings.Networks[networkName]?.IPAddress);
  });

  it('produces and consumes from the host through the returned address', async () => {
    const kafka = new Kafka({ clientId: 'host-test', brokers: [`${address.host}:${address.port}`], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    const consumer = kafka.consumer({ groupId: `host-${suffix}` });
    try {
      // The broker names itself by the EXTERNAL listener's address to a client that came in that way.
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.map((b) => `${b.host}:${b.port}`)).toEqual([`${address.host}:${address.port}`]);
      await admin.createTopics({ topics: [{ topic: 'from-host', numPartitions: 1 }], waitForLeaders: true });
      await producer.connect();
      await producer.send({ topic: 'from-host', messages: [{ value: 'hello from the host' }] });
      await consumer.connect();
      await consumer.subscribe({ topics: ['from-host'], fromBeginning: true });
      const got = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message within 60 s')), 60_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve(message.value?.toString() ?? '');
          },
        });
      });
      expect(got).toBe('hello from the host');
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.disconnect();
    }
  }, 120_000);

  it('serves kafka:9092 to a container on the same network (produce there, consume on the host)', async () => {
    // Kafka's own console tools, from the same image, in a second container on the project network.
    const java = "java -cp '/opt/kafka/libs/*' -Dlog4j.configuration=file:/dev/null";
    const script = [
      `echo 'hello from a container' | ${java} kafka.tools.ConsoleProducer --bootstrap-server kafka:9092 --topic from-container`,
      `${java} org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server kafka:9092 --topic from-host --from-beginning --max-messages 1 --timeout-ms 60000`,
    ].join(' && ');
    const client = await docker.createContainer({
      Image: image,
      Cmd: ['bash', '-c', script],
      Tty: true,
      Labels: { [LABEL_PROJECT]: projectId },
      HostConfig: { NetworkMode: networkName },
    });
    try {
      await client.start();
      const { StatusCode } = (await client.wait()) as { StatusCode: number };
      const output = (await client.logs({ stdout: true, stderr: true })).toString('utf8');
      expect(StatusCode, output).toBe(0);
      // The message the host produced in the previous test, read back through kafka:9092.
      expect(output).toContain('hello from the host');
    } finally {
      await client.remove({ force: true }).catch(() => undefined);
    }
    const kafka = new Kafka({ clientId: 'host-test', brokers: [`${address.host}:${address.port}`], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `host-read-${suffix}` });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: ['from-container'], fromBeginning: true });
      const got = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message within 60 s')), 60_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve(message.value?.toString() ?? '');
          },
        });
      });
      expect(got).toBe('hello from a container');
    } finally {
      await consumer.disconnect();
    }
  }, 180_000);
});
