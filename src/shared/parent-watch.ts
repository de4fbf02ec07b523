/**
 * For host processes the process runtime starts (functions, sidecars): when the ofn-local that
 * started them dies without stopping them (killed, or a test runner ending its worker), they stop
 * too, instead of living on with their ports. The runtime names itself in OFN_LOCAL_PARENT_PID.
 *
 * "Dies" is read with care: a killed process that nobody reaps (an init that does not reap, as in
 * many containers) stays a zombie that `kill(pid, 0)` still reaches, and its pid may be reused.
 * A direct child therefore watches its own parent pid change (it is reparented the moment its
 * parent exits); otherwise the process is identified by its start time and a zombie counts as gone.
 */
import { identify, isRunning } from './process-identity.js';

export const PARENT_PID_ENV = 'OFN_LOCAL_PARENT_PID';

export function exitWithParent(env: Record<string, string | undefined> = process.env, intervalMs = 2000): void {
  const parent = Number(env[PARENT_PID_ENV]);
  if (!Number.isInteger(parent) || parent <= 0) return;
  // SIGTERM: the usual graceful stop (in-flight requests finish, connections close).
  watchProcess(parent, () => process.kill(process.pid, 'SIGTERM'), intervalMs);
}

/**
 * Calls `onGone` once the process `pid` (as it is now) has exited. The check runs every
 * `intervalMs` on an unref'd timer; the returned function stops watching.
 */
export function watchProcess(pid: number, onGone: () => void, intervalMs = 2000): () => void {
  const direct = process.ppid === pid;
  const target = identify(pid);
  const gone = () => (direct && process.ppid !== pid) || !isRunning(target);
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const check = () => {
    if (done || !gone()) return;
    done = true;
    clearInterval(timer);
    onGone();
  };
  timer = setInterval(check, intervalMs);
  timer.unref();
  // Already gone when the watch starts (the parent died while this process started).
  if (!isRunning(target)) setImmediate(check);
  return () => {
    done = true;
    clearInterval(timer);
  };
}
