import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfnProject } from '../../src/testing/index.js';
import { tempProject } from '../helpers/temp-project.js';

// Hot reload reaches the events too: an edited Trigger takes effect without a restart.
describe('events manifests reload while running (embedded bus, process runtime)', () => {
  let project: OfnProject;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempProject('test/fixtures/projects/events-embedded'));
    project = await OfnProject.start(dir, { runtime: 'process', watch: true });
  }, 300_000);
  afterAll(async () => {
    await project?.stop();
    await cleanup?.();
  });

  it('an edited Trigger sink is used for the next event', async () => {
    await project.emit('bell', 'ring', { n: 1 });
    await expect.poll(() => project.logs('greeter').join('\n'), { timeout: 20_000 }).toContain('rang at /rang: {"n":1}');
    const file = path.join(dir, 'events.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('/rang"', '/rung"'));
    // The reload is done once the trigger delivers to the new path.
    await expect
      .poll(
        async () => {
          await project.emit('bell', 'ring', { n: 2 });
          return project.logs('greeter').some((l) => l.startsWith('rang at /rung: {"n":2}'));
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBe(true);
  });
});
