import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Processes a test starts that must not outlive it, and one kind tests of parent watches need: a
 * process whose parent never reaps it. Call `killTracked` in afterEach.
 */
const children: ChildProcess[] = [];
const pids: number[] = [];

export function track(...started: ChildProcess[]): void {
  children.push(...started);
}

/** A process known by its pid only (a grandchild), killed with the rest. */
export function trackPid(pid: number): void {
  pids.push(pid);
}

/**
 * A process whose parent never reaps it: bash starts `sleep` in the background, then becomes a
 * `sleep` itself, which never waits. Killed, the background one stays a zombie (as a killed daemon
 * does under an init that does not reap).
 */
export async function unreapedProcess(): Promise<number> {
  const holder = spawn('bash', ['-c', 'sleep 300 & echo $!; exec sleep 300'], { stdio: ['ignore', 'pipe', 'ignore'] });
  track(holder);
  const pid = await new Promise<number>((resolve) => holder.stdout!.once('data', (c: Buffer) => resolve(Number(c.toString().trim()))));
  trackPid(pid);
  return pid;
}

export function killTracked(): void {
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const c of children.splice(0)) c.kill('SIGKILL');
}
