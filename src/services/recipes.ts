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
