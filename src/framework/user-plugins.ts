/**
 * User plugins: every module in `<source>/plugins/` whose exports include a class
 * extending `Plugin`. Their pre hooks run before an `openfunction` function and their
 * post hooks after it, in the order of FUNC_CONTEXT `prePlugins` / `postPlugins`
 * (all plugins in load order when the list is empty). Hook failures are logged only.
 */
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { describeError } from './errors.js';
import type { FunctionContext } from './function-context.js';
import { loadModule } from './module-loader.js';
import type { Plugin } from './plugin.js';
import { getRegistry } from './registry.js';

type HookName = 'execPreHook' | 'execPostHook';

export class PluginChain {
  /** Passed to every hook as its second argument. */
  private readonly byName: Record<string, Plugin>;

  constructor(
    plugins: readonly Plugin[],
    private readonly preOrder: readonly Plugin[],
    private readonly postOrder: readonly Plugin[],
  ) {
    this.byName = Object.fromEntries(plugins.map((plugin) => [plugin.name, plugin]));
  }

  static readonly EMPTY = new PluginChain([], [], []);

  get isEmpty(): boolean {
    return this.preOrder.length === 0 && this.postOrder.length === 0;
  }

  get(name: string): Plugin | undefined {
    return this.byName[name];
  }

  runPreHooks(ctx: unknown): Promise<void> {
    return this.run(this.preOrder, 'execPreHook', ctx);
  }

  runPostHooks(ctx: unknown): Promise<void> {
    return this.run(this.postOrder, 'execPostHook', ctx);
  }

  private async run(order: readonly Plugin[], hook: HookName, ctx: unknown): Promise<void> {
    for (const plugin of order) {
      try {
        await plugin[hook](ctx, this.byName);
      } catch (err) {
        console.error(`Plugin "${plugin.name}" failed in ${hook}: ${describeError(err)}`);
      }
    }
  }
}

/** Entries of the plugins folder as loadable module paths; none when the folder is absent. */
function pluginFiles(pluginsDir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(pluginsDir).sort();
  } catch {
    return [];
  }
  const resolver = createRequire(join(pluginsDir, 'index.js'));
  const files: string[] = [];
  for (const entry of entries) {
    try {
      files.push(resolver.resolve(join(pluginsDir, entry)));
    } catch {
      // Not a module (for example a data file or an empty folder).
    }
  }
  return files;
}

function orderPlugins(loaded: readonly Plugin[], names: unknown, listName: string): Plugin[] {
  if (!Array.isArray(names) || names.length === 0) return [...loaded];
  const ordered: Plugin[] = [];
  for (const name of names) {
    const plugin = loaded.find((candidate) => candidate.name === name);
    if (plugin) ordered.push(plugin);
    else console.warn(`ofn-framework: plugin "${String(name)}" listed in ${listName} is not loaded; skipping it.`);
  }
  return ordered;
}

/** Loads the user plugins next to the function and orders them as FUNC_CONTEXT says. */
export async function loadUserPlugins(source: string, context: FunctionContext | undefined): Promise<PluginChain> {
  const folder = statSync(source, { throwIfNoEntry: false })?.isDirectory() ? source : dirname(source);
  const files = pluginFiles(join(folder, 'plugins'));
  if (files.length === 0) return PluginChain.EMPTY;

  const PluginBase = getRegistry().Plugin;
  const loaded: Plugin[] = [];
  for (const file of files) {
    try {
      const moduleExports: unknown = await loadModule(file);
      // Named exports, plus `module.exports = class ...` in CommonJS.
      const candidates = Object.values(moduleExports as object);
      if (typeof moduleExports === 'function') candidates.unshift(moduleExports);
      for (const value of candidates) {
        if (typeof value === 'function' && value.prototype instanceof PluginBase) {
          const plugin = new (value as new () => Plugin)();
          const existing = loaded.findIndex((candidate) => candidate.name === plugin.name);
          if (existing === -1) loaded.push(plugin);
          else loaded[existing] = plugin;
        }
      }
    } catch (err) {
      console.error(`ofn-framework: cannot load plugin module ${file}: ${describeError(err)}`);
    }
  }
  return new PluginChain(
    loaded,
    orderPlugins(loaded, context?.prePlugins, 'prePlugins'),
    orderPlugins(loaded, context?.postPlugins, 'postPlugins'),
  );
}
