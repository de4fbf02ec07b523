#!/usr/bin/env node
// Bundles src/sidecar into one CommonJS file, dist/sidecar/ofn-sidecar.cjs, with its
// dependencies (express, ioredis, mqtt, nats, kafkajs, croner, zod, yaml) inside, so it
// runs with a bare Node 18+ (e.g. Debian's nodejs in a container):
//   node ofn-sidecar.cjs --app-id my-app --app-port 8080 --resources-path ./components
// The file is replaced by an atomic rename, so a test run that bundles from two workers
// at once never sees a half-written file.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'sidecar');
const outFile = join(outDir, 'ofn-sidecar.cjs');

const result = await build({
  entryPoints: [join(root, 'src', 'sidecar', 'cli.ts')],
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  outfile: outFile,
  write: false,
  logLevel: 'warning',
  legalComments: 'eof',
  banner: { js: '#!/usr/bin/env node' },
  // Optional native or peer modules some dependencies probe for; none is needed.
  external: ['bufferutil', 'utf-8-validate', 'snappy', 'kerberos', '@mongodb-js/zstd'],
});

await mkdir(outDir, { recursive: true });
const temporary = `${outFile}.${process.pid}.tmp`;
await writeFile(temporary, result.outputFiles[0].contents, { mode: 0o755 });
await rename(temporary, outFile);
console.log(`bundled ${join('dist', 'sidecar', 'ofn-sidecar.cjs')} (${(result.outputFiles[0].contents.length / 1024).toFixed(0)} KiB)`);
