#!/usr/bin/env node
// Bundles src/framework into dist/framework (names in src/framework/artifacts.ts):
//   ofn-framework.cjs   the framework, express and cloudevents included; runs on Node 18+
//   shim/               stand-in package for @openfunction/functions-framework
// Only these outputs are replaced (`tsc -p tsconfig.build.json` may have written
// dist/framework/artifacts.js next to them), each by an atomic rename, so a test run
// that bundles from two workers at once never sees a half-written file.
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'src', 'framework');

// artifacts.ts has no imports, so it can be bundled and evaluated on the spot.
async function readArtifactNames() {
  const result = await build({
    entryPoints: [join(srcDir, 'artifacts.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
  });
  const code = result.outputFiles[0].text;
  return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
}

const names = await readArtifactNames();
const outDir = join(root, names.FRAMEWORK_DIST_DIR);
const shimDir = join(outDir, names.SHIM_DIR);

/** Options shared by both bundles. */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  logLevel: 'warning',
  legalComments: 'eof',
};

async function writeAtomically(file, contents) {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, file);
}

/** Bundles one entry point and returns the code. */
async function bundle(entryPoint, extra = {}) {
  const result = await build({ ...common, ...extra, entryPoints: [entryPoint], outfile: 'out.cjs', write: false });
  return result.outputFiles[0].contents;
}

await mkdir(shimDir, { recursive: true });

await writeAtomically(
  join(outDir, names.FRAMEWORK_BUNDLE),
  await bundle(join(srcDir, 'main.ts'), { banner: { js: '#!/usr/bin/env node' } }),
);

await writeAtomically(
  join(outDir, names.RESTART_SUPERVISOR_BUNDLE),
  await bundle(join(srcDir, 'restart-supervisor-main.ts'), { banner: { js: '#!/usr/bin/env node' } }),
);

await writeAtomically(
  join(outDir, names.PARENT_BOUND_BUNDLE),
  await bundle(join(srcDir, 'parent-bound-main.ts'), { banner: { js: '#!/usr/bin/env node' } }),
);

const shimFiles = new Map();
shimFiles.set('index.cjs', await bundle(join(srcDir, 'shim.ts')));

// ES module face of the same CommonJS instance, so `import { http } from '...'` works
// whatever Node's CommonJS export detection makes of the bundle.
const shimExports = ['http', 'cloudEvent', 'openfunction', 'Plugin', 'ContextUtils', 'RuntimeType', 'ComponentType', 'TraceProviderType'];
shimFiles.set(
  'index.mjs',
  [
    "import shim from './index.cjs';",
    '',
    `export const { ${shimExports.join(', ')} } = shim;`,
    'export default shim;',
    '',
  ].join('\n'),
);

// Loose typings, so TypeScript functions that import the package still compile.
shimFiles.set(
  'index.d.ts',
  `/* eslint-disable @typescript-eslint/no-explicit-any */
export type HttpFunction = (req: any, res: any) => any;
export type CloudEventFunction<T = unknown> = (cloudEvent: any & { data?: T }, callback?: (err?: unknown, result?: unknown) => void) => any;
export type OpenFunction = (ctx: any, data: any) => any;

export declare function http(functionName: string, handler: HttpFunction): void;
export declare function cloudEvent<T = unknown>(functionName: string, handler: CloudEventFunction<T>): void;
export declare function openfunction(functionName: string, handler: OpenFunction): void;

export declare class Plugin {
  readonly name: string;
  readonly version: string;
  constructor(name: string, version?: string);
  get(prop: string): unknown;
  execPreHook(ctx: any, plugins: Record<string, Plugin>): Promise<void>;
  execPostHook(ctx: any, plugins: Record<string, Plugin>): Promise<void>;
}

export declare const RuntimeType: { readonly Knative: 'knative'; readonly Async: 'async' };
export declare const ComponentType: { readonly Binding: 'bindings'; readonly PubSub: 'pubsub'; readonly State: 'state' };
export declare const TraceProviderType: { readonly SkyWalking: 'skywalking'; readonly OpenTelemetry: 'opentelemetry' };
export declare const ContextUtils: {
  IsKnativeRuntime(context: any): boolean;
  IsAsyncRuntime(context: any): boolean;
  IsBindingComponent(component: any): boolean;
  IsPubSubComponent(component: any): boolean;
  IsStateComponent(component: any): boolean;
};
`,
);

shimFiles.set(
  'package.json',
  `${JSON.stringify(
    {
      name: names.SHIM_PACKAGE_NAME,
      version: names.EMULATED_FRAMEWORK_VERSION,
      description: 'ofn-local stand-in: registers functions and plugins for the ofn-local Node functions framework',
      license: 'Apache-2.0',
      main: './index.cjs',
      types: './index.d.ts',
      exports: {
        '.': { types: './index.d.ts', import: './index.mjs', require: './index.cjs', default: './index.cjs' },
        './package.json': './package.json',
      },
    },
    null,
    2,
  )}\n`,
);

for (const [name, contents] of shimFiles) await writeAtomically(join(shimDir, name), contents);
// Drop anything an older version of this script left in the shim folder.
for (const name of await readdir(shimDir)) {
  if (!shimFiles.has(name) && !name.endsWith('.tmp')) await rm(join(shimDir, name), { recursive: true, force: true });
}

console.log(`bundled ${join(names.FRAMEWORK_DIST_DIR, names.FRAMEWORK_BUNDLE)} and ${join(names.FRAMEWORK_DIST_DIR, names.SHIM_DIR)}/`);
