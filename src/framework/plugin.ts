/**
 * Base class of user plugins (`<source>/plugins/*`), exported by the shim as `Plugin`.
 * Subclasses call `super(name, version)` and override the hooks they need.
 */

/** Reads a dotted path (`a.b.c`) from an object; undefined when any step is missing. */
function readPath(target: unknown, path: string): unknown {
  let value: unknown = target;
  for (const part of path.split('.')) {
    if (value === null || value === undefined) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export class Plugin {
  readonly name: string;
  readonly version: string;

  constructor(name: string, version = 'unknown') {
    if (typeof name !== 'string' || name.trim() === '') {
      throw new Error('A plugin needs a name: call super(name, version) in its constructor.');
    }
    this.name = name;
    this.version = version;
  }

  /** Value of a (dotted) property of the plugin. */
  get(prop: string): unknown {
    return readPath(this, prop);
  }

  /** Runs before the function. */
  async execPreHook(_ctx: unknown, _plugins: Record<string, Plugin>): Promise<void> {
    console.warn(`Plugin "${this.name}" does not implement execPreHook.`);
  }

  /** Runs after the function, also when it failed (`ctx.error` is then set). */
  async execPostHook(_ctx: unknown, _plugins: Record<string, Plugin>): Promise<void> {
    console.warn(`Plugin "${this.name}" does not implement execPostHook.`);
  }
}
