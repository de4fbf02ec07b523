/**
 * Hot reload inside one instance (ofn-local's dev mode, OFN_LOCAL_RELOAD=1). This process becomes a
 * cluster primary that holds the listening port and runs the framework in one worker. On SIGHUP it
 * starts a worker with the current code; once that worker listens, the old one stops accepting,
 * finishes its in-flight requests on the old code and exits. A new worker that fails to start
 * (syntax error, missing target) leaves the old one serving. The instance's other containers (a
 * Dapr sidecar sharing its network) never notice.
 *
 * The daemon reads the outcome from these stdout lines:
 *   `ofn-framework: reloaded in <ms> ms`  /  `ofn-framework: reload failed: ...`
 */
import cluster, { type Worker } from 'node:cluster';

export const RELOAD_ENV = 'OFN_LOCAL_RELOAD';
/** Message from the primary telling a worker to stop accepting and finish what it has. */
export const RETIRE_MESSAGE = 'ofn-local:retire';

export function reloadRequested(env: NodeJS.ProcessEnv): boolean {
  return env[RELOAD_ENV] === '1' && cluster.isPrimary;
}

export function runSupervisor(): void {
  // Workers accept connections themselves: no extra hop through the primary per connection.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ exec: process.argv[1], args: process.argv.slice(2) });

  let current: Worker | undefined;
  let next: Worker | undefined;
  let again = false;
  let stopping = false;

  const start = (onListening: (w: Worker) => void, onEarlyExit: (code: number) => void): Worker => {
    const w = cluster.fork();
    let listening = false;
    w.once('listening', () => {
      listening = true;
      onListening(w);
    });
    w.once('exit', (code, signal) => {
      if (!listening) onEarlyExit(code ?? (signal ? 1 : 0));
      else if (w === current && !stopping) {
        // The serving worker died on its own: the instance is gone, as a crashed pod would be.
        process.exit(code ?? 1);
      }
    });
    return w;
  };

  const reload = (): void => {
    if (stopping) return;
    if (next) {
      again = true;
      return;
    }
    const began = Date.now();
    next = start(
      (w) => {
        const old = current;
        current = w;
        next = undefined;
        old?.send(RETIRE_MESSAGE);
        console.log(`ofn-framework: reloaded in ${Date.now() - began} ms`);
        if (again) {
          again = false;
          reload();
        }
      },
      (code) => {
        next = undefined;
        console.log(`ofn-framework: reload failed: the new code did not start (exit ${code}); still serving the previous version`);
        if (again) {
          again = false;
          reload();
        }
      },
    );
  };

  current = start(
    () => undefined,
    (code) => process.exit(code),
  );
  process.on('SIGHUP', reload);
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));
    let left = workers.length;
    if (left === 0) process.exit(0);
    for (const w of workers) {
      w.once('exit', () => {
        if (--left === 0) process.exit(0);
      });
      w.process.kill(signal);
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
