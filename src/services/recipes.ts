import type { ServiceType } from '../model/project-config.js';

/**
 * How ofn-local runs each kind of broker: a Dockerfile on the Node base image (Debian's packages, so
 * no container registry is needed) and the same server as a host process for the process runtime.
 */
export interface ServiceRecipe {
  /** Dockerfile lines after `FROM <base>`; the server listens on `port` on every interface. */
  dockerfile(port: number): string[];
  /** Host process: command and arguments for a server on 127.0.0.1:`port` keeping data in `dir`. */
  hostCommand(port: number, dir: string): { command: string; args: string[]; files?: Record<string, string>; env?: Record<string, string> };
}

const apt = (pkgs: string) =>
  `RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${pkgs} >/dev/null && rm -rf /var/lib/apt/lists/*`;

export const RECIPES: Record<Exclude<ServiceType, 'kafka'>, ServiceRecipe> = {
  redis: {
    dockerfile: (port) => [apt('redis-server'), `CMD ["redis-server", "--port", "${port}", "--bind", "0.0.0.0", "--protected-mode", "no", "--save", ""]`],
    hostCommand: (port) => ({ command: 'redis-server', args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'] }),
  },
  mqtt: {
    dockerfile: (port) => [
      apt('mosquitto'),
      `RUN printf 'listener ${port} 0.0.0.0\\nallow_anonymous true\\n' > /etc/mosquitto/ofn-local.conf`,
      'CMD ["/usr/sbin/mosquitto", "-c", "/etc/mosquitto/ofn-local.conf"]',
    ],
    hostCommand: (port, dir) => ({
      command: '/usr/sbin/mosquitto',
      args: ['-c', `${dir}/mosquitto.conf`],
      files: { 'mosquitto.conf': `listener ${port} 127.0.0.1\nallow_anonymous true\n` },
    }),
  },
  nats: {
    dockerfile: (port) => [apt('nats-server'), `CMD ["nats-server", "-js", "-p", "${port}", "-sd", "/var/lib/nats"]`],
    hostCommand: (port, dir) => ({ command: 'nats-server', args: ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir] }),
  },
};

/** Where the Kafka image keeps the broker jars and the start script (run-kafka.sh). */
const KAFKA_HOME = '/opt/kafka';
/** The EXTERNAL listener's port: port + 2 (run-kafka.sh gives the controller port + 1). */
const kafkaExternalPort = (port: number): number => port + 2;

/**
 * Kafka in Docker, with no registry: Debian's Java 17 runtime on the Node base image, plus the
 * broker jars docker/kafka/fetch-kafka.sh resolved from Maven Central (copied into the build
 * context as `libs/`) and docker/kafka/run-kafka.sh, which runs a single-node KRaft broker.
 *
 * Two listeners: PLAINTEXT on `port`, advertised as the service's name on the project network
 * (`kafka:9092`, what components and manifests say), and EXTERNAL on `externalPort(port)`,
 * advertised as the container's own IP, for clients on the host (the daemon, its scaler, tests),
 * which cannot resolve the network alias. A client keeps using the address the broker advertises
 * on the listener it bootstrapped through, so each side must bootstrap through its own listener.
 */
export const KAFKA_DOCKER_RECIPE = {
  home: KAFKA_HOME,
  externalPort: kafkaExternalPort,
  /** Where the broker keeps its log (KAFKA_DATA), a volume of the project. */
  dataDir: '/var/lib/kafka',
  /** Dockerfile lines after `FROM <base>`; the build context holds `libs/` and `run-kafka.sh`. */
  dockerfile: (): string[] => [
    // Debian's JRE packages write man-page alternatives; the slim base has no /usr/share/man/man1.
    'RUN mkdir -p /usr/share/man/man1',
    apt('openjdk-17-jre-headless'),
    `COPY libs/ ${KAFKA_HOME}/libs/`,
    `COPY run-kafka.sh ${KAFKA_HOME}/run-kafka.sh`,
    `ENV KAFKA_LIBS=${KAFKA_HOME}/libs KAFKA_DATA=/var/lib/kafka KAFKA_LISTEN_HOST=0.0.0.0`,
    `CMD ["bash", "${KAFKA_HOME}/run-kafka.sh"]`,
  ],
  /** The container's environment for a service named `name` listening on `port`. */
  env: (name: string, port: number): string[] => [
    `KAFKA_PORT=${port}`,
    `KAFKA_ADVERTISED_HOST=${name}`,
    `KAFKA_EXTERNAL_PORT=${kafkaExternalPort(port)}`,
    // KAFKA_EXTERNAL_HOST unset: run-kafka.sh advertises the container's IP (hostname -i).
  ],
};
