/**
 * MQTT 3.1.1 connections for bindings.mqtt3 and pubsub.mqtt3. The URL may carry
 * credentials (`tcp://user:pass@host:1883`); schemes `tcp`, `mqtt`, `ssl`, `mqtts`,
 * `tls`, `tcps`, `ws`, `wss` are understood.
 */
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';

export interface MqttConnectOptions {
  url: string;
  clientId: string;
  cleanSession: boolean;
  caCert?: string;
  clientCert?: string;
  clientKey?: string;
  /**
   * Called for each message, concurrently. mqtt.js acknowledges an MQTT 3.1.1 message as it
   * arrives (it offers manual PUBACKs for MQTT 5 only), so a failure here cannot hold the
   * message back on the broker as daprd does.
   */
  onMessage?: (topic: string, payload: Buffer, retained: boolean) => Promise<void>;
  connectTimeoutMs?: number;
  /** Aborting gives up the connection attempt. */
  signal?: AbortSignal;
}

const SCHEMES: Record<string, string> = {
  'tcp:': 'mqtt:',
  'mqtt:': 'mqtt:',
  'ssl:': 'mqtts:',
  'mqtts:': 'mqtts:',
  'tls:': 'mqtts:',
  'tcps:': 'mqtts:',
  'ws:': 'ws:',
  'wss:': 'wss:',
};

export function brokerUrl(text: string): { url: string; username?: string; password?: string } {
  const parsed = new URL(text);
  const scheme = SCHEMES[parsed.protocol];
  if (!scheme) throw new Error(`unsupported MQTT URL scheme ${parsed.protocol} in ${text}`);
  const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  const port = parsed.port || (scheme === 'mqtts:' ? '8883' : scheme === 'mqtt:' ? '1883' : '');
  const path = scheme.startsWith('ws') ? parsed.pathname : '';
  return { url: `${scheme}//${parsed.hostname.includes(':') ? `[${parsed.hostname}]` : parsed.hostname}${port ? `:${port}` : ''}${path}`, username, password };
}

/** Connects (waiting for CONNACK); on failure the client is ended and the error names the broker. */
export async function connectMqtt(opts: MqttConnectOptions): Promise<MqttClient> {
  const { url, username, password } = brokerUrl(opts.url);
  const options: IClientOptions = {
    clientId: opts.clientId,
    clean: opts.cleanSession,
    protocolVersion: 4,
    username,
    password,
    reconnectPeriod: 2000,
    connectTimeout: opts.connectTimeoutMs ?? 10_000,
    resubscribe: true,
  };
  if (opts.caCert) options.ca = opts.caCert;
  if (opts.clientCert) options.cert = opts.clientCert;
  if (opts.clientKey) options.key = opts.clientKey;
  const client = mqtt.connect(url, options);
  const onMessage = opts.onMessage;
  if (onMessage) {
    client.on('message', (topic, payload, packet) => {
      void onMessage(topic, payload, Boolean(packet.retain)).catch(() => {});
    });
  }
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out connecting')), (opts.connectTimeoutMs ?? 10_000) + 500);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      client.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      client.once('close', () => {
        clearTimeout(timer);
        reject(new Error('connection closed'));
      });
      opts.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new Error('gave up (init timed out)'));
      }, { once: true });
    });
  } catch (err) {
    client.end(true);
    throw new Error(`failed to connect to MQTT broker ${url}: ${(err as Error).message || String(err)}`);
  }
  return client;
}

export function closeMqtt(client: MqttClient | undefined): Promise<void> {
  if (!client) return Promise.resolve();
  return new Promise((resolve) => client.end(false, {}, () => resolve()));
}

/** Publishes with QoS 1 and waits for PUBACK (at most 10 s). */
export function publishMqtt(client: MqttClient, topic: string, payload: Buffer, qos: 0 | 1 | 2, retain: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('mqtt client timeout')), 10_000);
    client.publish(topic, payload, { qos, retain }, (err) => {
      clearTimeout(timer);
      if (err) reject(new Error(`failed to publish: ${err.message}`));
      else resolve();
    });
  });
}
