/**
 * For host processes the process runtime starts (functions, sidecars): when the ofn-local that
 * started them dies without stopping them (killed, or a test runner ending its worker), they stop
 * too, instead of living on with their ports. The runtime names itself in OFN_LOCAL_PARENT_PID.
 */
export const PARENT_PID_ENV = 'OFN_LOCAL_PARENT_PID';

export function exitWithParent(env: Record<string, string | undefined> = process.env, intervalMs = 2000): void {
  const parent = Number(env[PARENT_PID_ENV]);
  if (!Number.isInteger(parent) || parent <= 0) return;
  const timer = setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      clearInterval(timer);
      // SIGTERM: the usual graceful stop (in-flight requests finish, connections close).
      process.kill(process.pid, 'SIGTERM');
    }
  }, intervalMs);
  timer.unref();
}
