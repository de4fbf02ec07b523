import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import { errorMessage } from '../errors.js';
import { ScalingError } from './errors.js';
import type { BacklogProbe, BacklogReading } from './probe.js';

/**
 * A JetStream consumer's backlog as KEDA's `nats-jetstream` scaler counts it
 * (kedacore/keda pkg/scalers/nats_jetstream_scaler.go, getMaxMsgLag): num_pending (messages not yet
 * delivered to the consumer) + num_ack_pending (delivered, not acknowledged). The value is also the
 * activity compared with activationLagThreshold.
 *
 * KEDA reads those numbers from the server's HTTP monitoring endpoint
 * (`http://<natsServerMonitoringEndpoint>/jsz?acc=<account>&consumers=true`, and the leader's for a
 * clustered stream). ofn-local asks the server itself over the client protocol instead (JetStream's
 * `$JS.API.CONSUMER.INFO.<stream>.<consumer>`, the same consumer state), because the servers it runs
 * have no monitoring port. The account is the connection's (`$G` on a server without accounts); the
 * trigger's `account` only names it. A missing stream or consumer is an error, as in KEDA.
 */
export interface NatsJetStreamOptions {
  /** NATS client URL or `host:port` (port 4222 unless given). */
  server: string;
  stream: string;
  consumer: string;
  /** KEDA's `account`: informative only (see above). */
  account?: string;
}

export class NatsJetStreamProbe implements BacklogProbe {
  readonly describe: string;
  #nc: NatsConnection | undefined;
  #jsm: JetStreamManager | undefined;

  constructor(readonly options: NatsJetStreamOptions) {
    this.describe = `nats jetstream consumer ${options.consumer} of stream ${options.stream} at ${options.server}`;
  }

  async backlog(): Promise<number> {
    return (await this.read()).value;
  }

  async read(): Promise<BacklogReading> {
    try {
      const jsm = await this.#connect();
      const info = await jsm.consumers.info(this.options.stream, this.options.consumer);
      const lag = info.num_pending + info.num_ack_pending;
      return { value: lag, activity: lag };
    } catch (err) {
      await this.close();
      throw new ScalingError('ERR_PROBE', `${this.describe}: ${errorMessage(err)}`, {}, undefined, { cause: err });
    }
  }

  async close(): Promise<void> {
    const nc = this.#nc;
    this.#nc = undefined;
    this.#jsm = undefined;
    await nc?.close().catch(() => undefined);
  }

  async #connect(): Promise<JetStreamManager> {
    if (this.#jsm && this.#nc && !this.#nc.isClosed()) return this.#jsm;
    const servers = this.options.server.includes('://') ? this.options.server : `nats://${this.options.server}`;
    const nc = await connect({ servers, name: 'ofn-local-scaler', timeout: 3000, reconnect: false });
    try {
      this.#jsm = await nc.jetstreamManager();
    } catch (err) {
      await nc.close().catch(() => undefined);
      throw err;
    }
    this.#nc = nc;
    return this.#jsm;
  }
}
