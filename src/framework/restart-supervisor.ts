/**
 * Hot reload for a compiled function (a Go binary) in ofn-local's dev mode: this small program runs
 * the function as its child and, on SIGHUP, restarts it in place, so the instance (and the Dapr
 * sidecar sharing its network) lives on while the code changes. It ships alone: node's built-ins only.
 *
 *   node ofn-restart-supervisor.cjs <program> [args...]
 *
 * `program` may be a symlink that the daemon points at each new build (`current -> bin/<hash>`): it is
 * resolved at every start, and the last target that served is kept, so a new build that does not come
 * up (a panic at init) is replaced by the previous one again. Two processes cannot hold one port, so
 * the old child stops before the new one starts; the gateway holds requests and lets in-flight ones
 * finish before it signals, so no request sees the gap.
 *
 * The daemon reads the outcome from the same stdout lines as the Node framework's reload:
 *   `ofn-framework: reloaded in <ms> ms`  /  `ofn-framework: reload failed: ...`
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { realpathSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { exitWithParent } from '../shared/parent-watch.js';

/** How long a started program may take to listen (ms); the daemon sets it below its own timeout. */
export const START_TIMEOUT_ENV = 'OFN_LOCAL_START_TIMEOUT_MS';
/** How long a stopping program may take before it is killed (ms): within the process runtime's 2 s. */
const STOP_GRACE_MS = 1_500;

/** The port the function listens on: FUNC_CONTEXT's `port` as the frameworks read it, else PORT, else 8080. */
export function functionPort(env: NodeJS.ProcessEnv): number {
  try {
    const port = Number((JSON.parse(env.FUNC_CONTEXT ?? '{}') as { port?: unknown }).port);
    if (Number.isInteger(port) && port > 0) return port;
  } catch {
    // Not JSON: the framework itself will say so.
  }
  const port = Number(env.PORT);
  return Number.isInteger(port) && port > 0 ? port : 8080;
}

function resolveProgram(program: string): string {
  try {
    return realpathSync(program);
  } catch {
    return program; // a name on PATH, or missing: spawn reports it
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

interface Started {
  child: ChildProcess;
  /** Resolves when the child listens; rejects with the reason when it exits first or takes too long. */
  listening: Promise<void>;
}

/** Every child not yet exited: a stop reaches the one being started during a reload too. */
const children = new Set<ChildProcess>();

function start(program: string, args: string[], port: number, timeoutMs: number): Started {
  const child = spawn(program, args, { stdio: 'inherit' });
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.once('error', () => children.delete(child));
  const listening = new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => settle(new Error(`${program} did not listen on port ${port} within ${timeoutMs} ms`)), timeoutMs);
    child.once('error', (err) => settle(new Error(`cannot start ${program}: ${err.message}`)));
    child.once('exit', (code, signal) => settle(new Error(`${program} exited (${signal ?? `code ${code}`}) before it listened on port ${port}`)));
    const poll = async () => {
      while (!settled) {
        if (await accepts(port)) return settle();
        await sleep(20);
      }
    };
    void poll();
  });
  return { child, listening };
}

function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill(signal);
  });
}

export function runRestartSupervisor(argv: string[], env: NodeJS.ProcessEnv): void {
  const [program, ...args] = argv;
  if (!program) {
    console.error('usage: ofn-restart-supervisor <program> [args...]');
    process.exit(2);
  }
  const port = functionPort(env);
  const timeoutMs = Number(env[START_TIMEOUT_ENV]) > 0 ? Number(env[START_TIMEOUT_ENV]) : 20_000;
  let current: ChildProcess | undefined;
  /** The resolved program that last served: what a failed reload goes back to. */
  let good = resolveProgram(program);
  let reloading: Promise<void> | undefined;
  let again = false;
  let stopping = false;

  /** The serving child died on its own: the instance is gone, as a crashed pod's container would be. */
  const watch = (child: ChildProcess) => {
    child.once('exit', (code, signal) => {
      if (child === current && !stopping && !reloading) process.exit(code ?? (signal ? 1 : 0));
    });
  };

  const reload = async (): Promise<void> => {
    const began = Date.now();
    const target = resolveProgram(program);
    const old = current;
    current = undefined;
    if (old) await stop(old);
    if (stopping) return;
    const next = start(target, args, port, timeoutMs);
    try {
      await next.listening;
      current = next.child;
      good = target;
      watch(next.child);
      console.log(`ofn-framework: reloaded in ${Date.now() - began} ms`);
    } catch (err) {
      await stop(next.child, 'SIGKILL');
      if (stopping) return;
      // Back to the last build that served, so the instance keeps answering.
      const previous = start(good, args, port, timeoutMs);
      try {
        await previous.listening;
      } catch (lost) {
        console.error(`ofn-restart-supervisor: the previous build did not come back either: ${(lost as Error).message}`);
        process.exit(1);
      }
      current = previous.child;
      watch(previous.child);
      console.log(`ofn-framework: reload failed: ${(err as Error).message}; still serving the previous version`);
    }
  };

  const onHangup = () => {
    if (stopping) return;
    if (reloading) {
      again = true;
      return;
    }
    reloading = reload().finally(() => {
      reloading = undefined;
      if (again) {
        again = false;
        onHangup();
      }
    });
  };

  const first = start(good, args, port, timeoutMs);
  current = first.child;
  watch(first.child);
  // A first start that fails is the instance failing: the child's exit (watched above) ends this process.
  first.listening.catch(() => undefined);
  process.on('SIGHUP', onHangup);
  const onStop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    void Promise.all([...children].map((c) => stop(c, signal))).then(() => process.exit(0));
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  // Process runtime: when the ofn-local that started this instance dies, the function goes too.
  exitWithParent(env);
}
