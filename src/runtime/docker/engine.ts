import Docker from 'dockerode';
import { RuntimeError } from '../errors.js';

/**
 * Finds a Docker engine: DOCKER_HOST when set (dockerode reads it), else the default socket.
 * Fails with one error that says how to start one.
 */
export async function connectEngine(timeoutMs = 2000): Promise<Docker> {
  const docker = new Docker();
  try {
    await withTimeout(docker.ping(), timeoutMs);
    return docker;
  } catch (err) {
    const where = process.env.DOCKER_HOST ?? '/var/run/docker.sock';
    throw new RuntimeError(
      'ERR_ENGINE_UNREACHABLE',
      `no Docker engine answers at ${where}`,
      {},
      'start one (Debian: apt-get install -y docker.io && dockerd &), or run with --runtime process',
      { cause: err },
    );
  }
}

/** True when an engine answers; never throws. */
export async function engineAvailable(timeoutMs = 1000): Promise<boolean> {
  try {
    await connectEngine(timeoutMs);
    return true;
  } catch {
    return false;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}
