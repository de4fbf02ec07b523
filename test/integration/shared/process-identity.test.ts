import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { killTracked, track, trackPid, unreapedProcess } from '../../helpers/unreaped.js';
import { watchProcess } from '../../../src/shared/parent-watch.js';
import { endProcesses, identify, isRunning } from '../../../src/shared/process-identity.js';

afterEach(killTracked);

const state = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
};

describe.skipIf(process.platform !== 'linux')('process identity', () => {
  // The zombie lasts only while its parent lives unreaped; a machine under heavy load once lost it
  // between two lines (ESRCH), so the case gets a second chance before it counts as failed.
  it('a zombie is not running, though signals still reach it', { retry: 2 }, async () => {
    const pid = await unreapedProcess();
    expect(isRunning(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => state(pid)).toBe('Z');
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect(isRunning(pid)).toBe(false);
  });

  it('a pid that started at another time is another process', async () => {
    const pid = await unreapedProcess();
    const me = identify(pid);
    expect(me.startTime).toMatch(/^\d+$/);
    expect(isRunning(me)).toBe(true);
    expect(isRunning({ pid, startTime: String(Number(me.startTime) + 1) })).toBe(false);
  });

  it('watchProcess notices a watched process that died and stays a zombie', async () => {
    const pid = await unreapedProcess();
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
    track(parent);
    const child = await new Promise<number>((resolve) => parent.stdout!.once('data', (c: Buffer) => resolve(Number(c.toString().trim()))));
    trackPid(child);
    const childId = identify(child);
    process.kill(parent.pid!, 'SIGSTOP');
    const ended = await endProcesses([identify(parent.pid!)], 2000);
    expect(ended.map((p) => p.pid)).toEqual([parent.pid]);
    expect(isRunning(childId)).toBe(false);
    await expect.poll(() => parent.exitCode !== null || parent.signalCode !== null).toBe(true);
  });
});
