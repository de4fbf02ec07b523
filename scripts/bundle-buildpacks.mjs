#!/usr/bin/env node
// Bundles ofn-local's own buildpacks (src/builders/buildpacks/offline/buildpack-main.ts: the Node and
// Go buildpacks, with the Go main-module generation of src/builders/go) into one file that runs on the
// builder image's Node 18: dist/cnb/ofn-buildpacks.cjs. `ofn-local builder build` copies it, with the
// functions framework bundle, into each buildpack's folder. Replaced by an atomic rename.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'cnb');
const result = await build({
  entryPoints: [join(root, 'src', 'builders', 'buildpacks', 'offline', 'buildpack-main.ts')],
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  logLevel: 'warning',
  legalComments: 'eof',
  outfile: 'out.cjs',
  write: false,
});
await mkdir(outDir, { recursive: true });
const file = join(outDir, 'ofn-buildpacks.cjs');
await writeFile(`${file}.${process.pid}.tmp`, result.outputFiles[0].contents);
await rename(`${file}.${process.pid}.tmp`, file);
