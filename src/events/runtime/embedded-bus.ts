/**
 * ofn-local's embedded event bus: in-process, per-topic ordered and durable. Each topic is an
 * append-only file of JSON lines (`{"s": <seq>, "d": "<base64>"}`) under the state folder, and each
 * consumer group's position in it (the next sequence number to deliver) a small file beside it, so
 * a restart of the engine redelivers every message a group had not acknowledged. On opening a
 * topic, messages every known group acknowledged are dropped from its file.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile, appendFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { errorMessage } from '../../errors.js';
import type { Bus, BusHandler, BusSubscription } from './bus.js';

interface Entry {
  seq: number;
  data: Buffer;
  /** Its write failed (its publisher was told so): consumers skip it. */
  dropped?: boolean;
}

const OFFSET_SUFFIX = '.offset';
const LOG_SUFFIX = '.log';
/** Wait before handing a message whose handler failed to the group again. */
const REDELIVER_DELAY_MS = 1000;
/** How often a consumer's position is written (see Consumer.savePosition). */
const SAVE_INTERVAL_MS = 50;

/** A file-name-safe spelling of a topic or group name (reversible, so names never collide). */
function fileName(name: string): string {
  return encodeURIComponent(name).replace(/\./g, '%2E').replace(/\*/g, '%2A');
}

class TopicLog {
  entries: Entry[] = [];
  /** Sequence number of the next message published. */
  nextSeq = 0;
  /** Messages before this sequence number are on disk. */
  durableSeq = 0;
  private writes: Promise<void> = Promise.resolve();
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly topic: string,
    readonly file: string,
  ) {}

  async load(dir: string): Promise<void> {
    const text = existsSync(this.file) ? await readFile(this.file, 'utf8') : '';
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const { s, d } = JSON.parse(line) as { s: number; d: string };
        this.entries.push({ seq: s, data: Buffer.from(d, 'base64') });
      } catch {
        // A line cut short by a crash: the message was never acknowledged to its publisher.
      }
    }
    this.nextSeq = this.entries.length > 0 ? this.entries[this.entries.length - 1]!.seq + 1 : await this.readNextSeq(dir);
    this.durableSeq = this.nextSeq;
    await this.compact(dir);
  }

  /** After a compaction that dropped everything, the next sequence is kept in the groups' offsets. */
  private async readNextSeq(dir: string): Promise<number> {
    const offsets = await groupOffsets(dir, this.topic);
    return Math.max(0, ...offsets.values());
  }

  private async compact(dir: string): Promise<void> {
    const offsets = await groupOffsets(dir, this.topic);
    if (offsets.size === 0 || this.entries.length === 0) return;
    const min = Math.min(...offsets.values());
    const keep = this.entries.filter((e) => e.seq >= min);
    if (keep.length === this.entries.length) return;
    this.entries = keep;
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, keep.map(lineOf).join(''));
    await rename(tmp, this.file);
  }

  append(data: Buffer): Promise<void> {
    const entry: Entry = { seq: this.nextSeq++, data };
    this.entries.push(entry);
    const write = this.writes.then(() => appendFile(this.file, lineOf(entry)));
    const settle = (): void => {
      // Consumers see a message once it is on disk, and after its publisher heard so.
      this.durableSeq = entry.seq + 1;
      setImmediate(() => this.wake());
    };
    this.writes = write.then(settle, () => {
      entry.dropped = true;
      settle();
    });
    return write;
  }

  private wake(): void {
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  /** The entry with sequence `seq` or the first after it, once written; undefined when there is none yet. */
  at(seq: number): Entry | undefined {
    const first = this.entries[0];
    if (!first || seq >= this.durableSeq) return undefined;
    const entry = this.entries[Math.max(0, seq - first.seq)];
    return entry && entry.seq < this.durableSeq ? entry : undefined;
  }

  waitForMore(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        signal.removeEventListener('abort', wake);
        this.waiters.delete(wake);
        resolve();
      };
      this.waiters.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  flushed(): Promise<void> {
    return this.writes;
  }
}

/** A crash (or a reader) never sees the file half written. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

function lineOf(entry: Entry): string {
  return `${JSON.stringify({ s: entry.seq, d: entry.data.toString('base64') })}\n`;
}

async function groupOffsets(dir: string, topic: string): Promise<Map<string, number>> {
  const prefix = `${fileName(topic)}.`;
  const out = new Map<string, number>();
  const names = existsSync(dir) ? await readdir(dir) : [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(OFFSET_SUFFIX)) continue;
    const group = name.slice(prefix.length, -OFFSET_SUFFIX.length);
    if (group.includes('.')) continue; // another topic whose encoded name starts with this one's
    const value = Number((await readFile(path.join(dir, name), 'utf8')).trim());
    if (Number.isInteger(value) && value >= 0) out.set(decodeURIComponent(group), value);
  }
  return out;
}

export class EmbeddedBus implements Bus {
  readonly description = 'embedded';
  private readonly topics = new Map<string, Promise<TopicLog>>();
  private readonly consumers = new Set<Consumer>();
  private ready: Promise<void> | undefined;

  constructor(
    /** Folder of the topic logs and offsets. */
    readonly dir: string,
    private readonly log: (line: string) => void = () => {},
  ) {}

  private topic(name: string): Promise<TopicLog> {
    let found = this.topics.get(name);
    if (!found) {
      this.ready ??= mkdir(this.dir, { recursive: true }).then(() => {});
      const topic = new TopicLog(name, path.join(this.dir, `${fileName(name)}${LOG_SUFFIX}`));
      found = this.ready.then(() => topic.load(this.dir)).then(() => topic);
      this.topics.set(name, found);
    }
    return found;
  }

  async publish(topic: string, message: Buffer): Promise<void> {
    await (await this.topic(topic)).append(message);
  }

  async subscribe(topic: string, group: string, handler: BusHandler): Promise<BusSubscription> {
    const log = await this.topic(topic);
    const offsetFile = path.join(this.dir, `${fileName(topic)}.${fileName(group)}${OFFSET_SUFFIX}`);
    let offset: number;
    if (existsSync(offsetFile)) {
      offset = Number((await readFile(offsetFile, 'utf8')).trim());
      if (!Number.isInteger(offset) || offset < 0) offset = log.nextSeq;
    } else {
      offset = log.nextSeq;
      await writeAtomically(offsetFile, String(offset));
    }
    const consumer = new Consumer(log, group, offset, offsetFile, handler, this.log);
    this.consumers.add(consumer);
    consumer.start();
    return {
      close: async () => {
        this.consumers.delete(consumer);
        await consumer.close();
      },
    };
  }

  /** Removes a group's position on a topic (a Trigger that is gone), so its messages can be dropped. */
  async forget(topic: string, group: string): Promise<void> {
    await rm(path.join(this.dir, `${fileName(topic)}.${fileName(group)}${OFFSET_SUFFIX}`), { force: true });
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.close()));
    this.consumers.clear();
    await Promise.all([...this.topics.values()].map(async (t) => (await t.catch(() => undefined))?.flushed()));
  }
}

class Consumer {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private saved: number;

  constructor(
    private readonly topic: TopicLog,
    private readonly group: string,
    private offset: number,
    private readonly offsetFile: string,
    private readonly handler: BusHandler,
    private readonly log: (line: string) => void,
  ) {
    this.saved = offset;
  }

  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const entry = this.topic.at(this.offset);
      if (!entry) {
        await this.topic.waitForMore(signal);
        continue;
      }
      if (entry.dropped) {
        this.offset = entry.seq + 1;
        continue;
      }
      try {
        await this.handler(entry.data);
      } catch (err) {
        if (signal.aborted) return; // left unacknowledged: delivered again after a restart
        this.log(`embedded bus: ${this.group} failed message ${entry.seq} of ${this.topic.topic}, redelivering: ${errorMessage(err)}`);
        await sleep(REDELIVER_DELAY_MS, undefined, { signal }).catch(() => {});
        continue;
      }
      this.offset = entry.seq + 1;
      this.savePosition();
    }
  }

  /**
   * Saves the position at most every SAVE_INTERVAL_MS (a file rewrite per message would cap the bus
   * at a few thousand messages a second); close() saves the last one. A crash in between delivers
   * those few messages again: at least once, as the bus promises.
   */
  private savePosition(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.saving = this.saving.then(() => this.writePosition());
    }, SAVE_INTERVAL_MS);
  }

  private async writePosition(): Promise<void> {
    if (this.offset === this.saved) return;
    const offset = this.offset;
    try {
      await writeAtomically(this.offsetFile, String(offset));
      this.saved = offset;
    } catch (err) {
      this.log(`embedded bus: could not save the position of ${this.group} on ${this.topic.topic}: ${errorMessage(err)}`);
    }
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.loop;
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    await this.saving;
    await this.writePosition();
  }
}
