import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { watchProcess } from '../../../src/shared/parent-watch.js';
import { endProcesses, identify, isRunning } from '../../../src/shared/process-identity.js';

const started: ChildProcess[] = [];
const pids: number[] = [];
afterEach(() => {
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const c of started.splice(0)) c.kill('SIGKILL');
});

/**
 * A process whose parent never reaps it: bash starts `sleep` in the background, then becomes a
 * `sleep` itself, which never waits. Killed, the background one stays a zombie (as a killed daemon
 * does under an init that does not reap).
 */
async function unreapedChild(): Promise<number> {
  const holder = spawn('bash', ['-c', 'sleep 300 & echo $!; exec sleep 300'], { stdio: ['ignore', 'pipe', 'ignore'] });
  started.push(holder);
  const pid = await new Promise<number>((resolve) => holder.stdout!.once('data', (c: Buffer) => resolve(Number(c.toString().trim()))));
  pids.push(pid);
  return pid;
}

const state = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
};

describe.skipIf(process.platform !== 'linux')('process identity', () => {
  it('a zombie is not running, though signals still reach it', async () => {
    const pid = await unreapedChild();
    expect(isRunning(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => state(pid)).toBe('Z');
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect(isRunning(pid)).toBe(false);
  });

  it('a pid that started at another time is another process', async () => {
    const pid = await unreapedChild();
    const me = identify(pid);
    expect(me.startTime).toMatch(/^\d+$/);
    expect(isRunning(me)).toBe(true);
    expect(isRunning({ pid, startTime: String(Number(me.startTime) + 1) })).toBe(false);
  });

  it('watchProcess notices a watched process that died and stays a zombie', async () => {
    const pid = await unreapedChild();
    let gone = false;
    const stop = watchProcess(pid, () => (gone = true), 20);
    try {
      expect(gone).toBe(false);
      process.kill(pid, 'SIGKILL');
      await expect.poll(() => gone).toBe(true);
    } finally {
      stop();
    }
  });

  it('endProcesses ends a stopped (paused) process and what runs below it', async () => {
    const parent = spawn('bash', ['-c', 'sleep 300 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'] });
    started.push(parent);
    const child = await new Promise<number>((resolve) => parent.stdout!.once('data', (c: Buffer) => resolve(Number(c.toString().trim()))));
    pids.push(child);
    const childId = identify(child);
    process.kill(parent.pid!, 'SIGSTOP');
    const ended = await endProcesses([identify(parent.pid!)], 2000);
    expect(ended.map((p) => p.pid)).toEqual([parent.pid]);
    expect(isRunning(childId)).toBe(false);
    await expect.poll(() => parent.exitCode !== null || parent.signalCode !== null).toBe(true);
  });
});
