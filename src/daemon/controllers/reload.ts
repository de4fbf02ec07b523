/**
 * Hot reload of one function's code. Fast path: the changed files synced into the live app folder,
 * and each running instance told (SIGHUP) to swap to them in place; the framework's verdict comes
 * back as a line of its output (`instance.log` on the bus). A compiled function in dev mode has its
 * binary rebuilt and restarted in place. Slow path: a new build started beside the old one, then
 * swapped in. In every path the gateway holds requests meanwhile, and a failure leaves the last
 * good version serving, journaled with the file and line when they are known. Answers the bus's
 * `reload.fast` and `reload.slow` (asked by the changes controller) and asks the build controller
 * for builds through the bus (`build.*`).
 */
import path from 'node:path';
import { errorMessage, OfnError } from '../../errors.js';
import type { FunctionPool } from '../../serving/pool.js';
import type { LoadedFunction } from '../../model/types.js';
import type { Instance, InstanceSpec } from '../../runtime/runtime.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import { checkSyntax, syncFiles } from '../../watch/sync-files.js';
import { describe, fnKey, type ControllerContext } from './context.js';

/** What a reload needs of a function's pool. */
export type ReloadablePool = Pick<FunctionPool, 'reloadInPlace' | 'rollTo' | 'replicas'>;

export interface ReloadControllerOptions extends ControllerContext {
  /** The project folder: journaled paths are relative to it. */
  root: string;
  /** How long an instance may take to give its verdict on a reload. */
  readyTimeoutMs: number;
  /** The function's pool now, also when its last build failed. */
  pool(key: string): ReloadablePool | undefined;
  /** Tells an instance to reload (SIGHUP to its framework or restart supervisor). */
  sendReload(instance: Instance): Promise<void>;
  /** Reload timings and verdict deadlines (the system's by default). */
  clock?: Clock;
}

/** The framework's verdict on a reload, as it prints it. */
const VERDICT = /^ofn-framework: (reloaded|reload failed)/;

interface VerdictWaiter {
  instance: string;
  lines: string[];
  settle: (line: string) => void;
}

export class ReloadController {
  readonly #o: ReloadControllerOptions;
  readonly #clock: Clock;
  /** The live app folder of each function's current build (code saves are synced into it). */
  readonly #appDirs = new Map<string, string>();
  readonly #waiters = new Set<VerdictWaiter>();

  constructor(o: ReloadControllerOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    o.bus.on('instance.log', (e) => {
      for (const w of [...this.#waiters]) {
        if (w.instance !== e.instance) continue;
        w.lines.push(e.line);
        if (VERDICT.test(e.line)) w.settle(e.line);
      }
    });
    o.bus.on('function.serving', (e) => this.#adopt(fnKey(e.fn), e.spec));
    o.bus.on('function.removed', (e) => void this.#appDirs.delete(e.fn));
    o.bus.handle('reload.fast', ({ key, files, firstSeenAt }) => this.fast(key, files, firstSeenAt));
    o.bus.handle('reload.slow', ({ key, cause, firstSeenAt }) => this.slow(key, cause, firstSeenAt));
  }

  /** The build a function now serves: later code saves are synced into its app folder. */
  #adopt(key: string, spec: InstanceSpec): void {
    if (spec.appDir) this.#appDirs.set(key, spec.appDir);
  }

  /**
   * Fast path: check the syntax, copy the changed files into the live app folder, and have each
   * running instance swap to the new code in place (the gateway holds its requests meanwhile). A
   * failure puts the previous files back, so the last good version keeps serving everywhere.
   */
  async fast(key: string, files: string[], firstSeenAt: number): Promise<void> {
    const fn = this.#fn(key);
    const appDir = this.#appDirs.get(key);
    const pool = this.#o.pool(key);
    if (!fn || fn.source.kind !== 'local' || !appDir || !pool) return;
    const detected = this.#clock.now();
    this.#o.bus.emit({ type: 'reload.started', fn: key, path: 'fast', cause: this.#rel(files) });
    // The syntax check runs beside the reload, not before it: a broken file fails the new worker
    // anyway, and the check names the file and line precisely for the message.
    const syntax = checkSyntax(files);
    const revert = await syncFiles(fn.source.dir, appDir, files);
    const synced = this.#clock.now();
    try {
      // A Python function's interpreter is restarted: nothing may be in flight when it stops.
      await pool.reloadInPlace((instance) => this.#reloadInstance(instance), { drainFirst: this.#o.bus.request('build.language', { key }) === 'python' });
      const problem = await syntax;
      if (problem && pool.replicas === 0) throw new Error(problem.message);
    } catch (err) {
      await revert();
      const problem = await syntax;
      const where = problem ?? locate(errorMessage(err), fn.source.dir, appDir);
      const message = problem?.message ?? errorMessage(err);
      this.#o.bus.emit({ type: 'reload.failed', fn: key, path: 'fast', message, file: where.file && path.relative(this.#o.root, where.file), line: where.line });
      return;
    }
    this.#finished(key, 'fast', { firstSeenAt, detected, synced });
  }

  /** Slow path: reinstall and rebuild, start the new build beside the old one, then swap. */
  async slow(key: string, cause: string[], firstSeenAt: number): Promise<void> {
    const fn = this.#fn(key);
    const pool = this.#o.pool(key);
    if (!fn || !pool) return;
    if (this.#o.bus.request('build.serves-live-binary', { key, appDir: this.#appDirs.get(key) })) return this.#restartInPlace(fn, pool, cause, firstSeenAt);
    const detected = this.#clock.now();
    this.#o.bus.emit({ type: 'reload.started', fn: key, path: 'slow', cause });
    let spec: InstanceSpec;
    try {
      spec = await this.#o.bus.request('build.spec', { fn });
    } catch (err) {
      // A compile error names its file and line (the last good build keeps serving).
      this.#o.bus.emit({ type: 'reload.failed', fn: key, path: 'slow', message: describe(err), ...whereOf(err) });
      return;
    }
    const built = this.#clock.now();
    try {
      await pool.rollTo(spec);
    } catch (err) {
      this.#o.bus.emit({ type: 'reload.failed', fn: key, path: 'slow', message: errorMessage(err) });
      return;
    }
    this.#adopt(key, spec);
    this.#finished(key, 'slow', { firstSeenAt, detected, synced: built });
  }

  /** Paths as the journal shows them: relative to the project folder. */
  #rel(files: string[]): string[] {
    return files.map((f) => path.relative(this.#o.root, f) || f);
  }

  #fn(key: string): LoadedFunction | undefined {
    return this.#o.project().functions.find((f) => fnKey(f) === key);
  }

  /**
   * Dev mode, compiled function: rebuild the binary and restart it inside each running instance (the
   * gateway holds requests, in-flight ones finish first); the instance and its sidecar live on. A
   * compile error, or a build that does not come up, leaves the previous build serving.
   */
  async #restartInPlace(fn: LoadedFunction, pool: ReloadablePool, cause: string[], firstSeenAt: number): Promise<void> {
    const key = fnKey(fn);
    const detected = this.#clock.now();
    this.#o.bus.emit({ type: 'reload.started', fn: key, path: 'fast', cause });
    let revert: () => Promise<void>;
    try {
      revert = await this.#o.bus.request('build.live-binary', { fn });
    } catch (err) {
      this.#o.bus.emit({ type: 'reload.failed', fn: key, path: 'fast', message: describe(err), ...whereOf(err) });
      return;
    }
    const built = this.#clock.now();
    try {
      await pool.reloadInPlace((instance) => this.#reloadInstance(instance), { drainFirst: true });
    } catch (err) {
      await revert();
      this.#o.bus.emit({ type: 'reload.failed', fn: key, path: 'fast', message: errorMessage(err) });
      return;
    }
    this.#finished(key, 'fast', { firstSeenAt, detected, synced: built });
  }

  /** Journals a finished reload with how long each step took (the save seen, synced or built, restarted). */
  #finished(key: string, reloadPath: 'fast' | 'slow', at: { firstSeenAt: number; detected: number; synced: number }): void {
    const done = this.#clock.now();
    this.#o.bus.emit({
      type: 'reload.finished',
      fn: key,
      path: reloadPath,
      timings: { detectMs: at.detected - at.firstSeenAt, syncMs: at.synced - at.detected, restartMs: done - at.synced, totalMs: done - at.firstSeenAt },
    });
  }

  /** Signals one instance and waits for the framework's verdict on its output. */
  #reloadInstance(instance: Instance): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: VerdictWaiter = {
        instance: instance.id,
        lines: [],
        settle: (line) => {
          cleanup();
          if (line.includes('reloaded')) resolve();
          else reject(new Error(waiter.lines.filter((l) => !l.startsWith('    at ')).join('\n')));
        },
      };
      const cancelTimer = this.#clock.after(this.#o.readyTimeoutMs, () => {
        cleanup();
        reject(new Error(`${instance.id} did not reload within ${this.#o.readyTimeoutMs} ms`));
      });
      const cleanup = () => {
        cancelTimer();
        this.#waiters.delete(waiter);
      };
      this.#waiters.add(waiter);
      this.#o.sendReload(instance).catch((err: unknown) => {
        cleanup();
        reject(err);
      });
    });
  }
}

/** The file and line an OfnError names, for the journal. */
function whereOf(err: unknown): { file?: string; line?: number } {
  const where = err instanceof OfnError ? err.where : undefined;
  return { ...(where?.file ? { file: where.file } : {}), ...(where?.line ? { line: where.line } : {}) };
}

/** Finds `file:line` of the user's code in a framework error (paths inside the instance mapped back to the source). */
export function locate(message: string, sourceDir: string, appDir: string): { file?: string; line?: number } {
  const m = message.match(/(\/[^\s:]+\.(?:(?:c|m)?js|py)):(\d+)/);
  if (!m) return {};
  const file = m[1]!.replace(/^\/workspace\//, `${appDir}/`).replace(appDir, sourceDir);
  return { file, line: Number(m[2]) };
}
