/**
 * The files and labels of ofn-local's offline buildpacks builder: stack build and run images on the
 * offline Debian base, the lifecycle at /cnb/lifecycle, ofn-local's Node and Go buildpacks, and the
 * labels `pack` and OpenFunction's Shipwright strategy read from a builder. Pure: assemble-builder.ts
 * writes them and drives the engine.
 */
import { tomlString } from './cnb-io.js';

export const OFFLINE_STACK_ID = 'io.ofn-local.stacks.bookworm';
export const OFFLINE_BUILD_IMAGE = 'ofn-local/cnb-build:bookworm';
export const OFFLINE_RUN_IMAGE = 'ofn-local/cnb-run:bookworm';
export const OFFLINE_BUILDER_IMAGE = 'ofn-local/cnb-builder:bookworm';
/** The user buildpacks and the app run as (`cnb`, as in pack's and OpenFunction's builders). */
export const CNB_UID = 1000;
export const CNB_GID = 1000;
/** Buildpack API the buildpacks are written against. */
export const BUILDPACK_API = '0.8';
/** Label with the hash of what went into the builder, so a stale one is rebuilt. */
export const LABEL_BUILDER_INPUTS = 'io.ofn-local.builder.inputs';

export interface OfflineBuildpack {
  id: string;
  version: string;
  name: string;
  /** Argument of the bundled entry (buildpack-main.ts). */
  entry: 'nodejs' | 'go';
  /** The functions framework goes into the buildpack (Node). */
  framework: boolean;
}

export const OFFLINE_BUILDPACKS: readonly OfflineBuildpack[] = [
  { id: 'io.ofn-local.go', version: '0.1.0', name: 'ofn-local Go functions', entry: 'go', framework: false },
  { id: 'io.ofn-local.nodejs', version: '0.1.0', name: 'ofn-local Node.js functions', entry: 'nodejs', framework: true },
];

export interface LifecycleDescriptor {
  version: string;
  apis: { buildpack: { supported: string[]; deprecated: string[] }; platform: { supported: string[]; deprecated: string[] } };
}

/** Reads the lifecycle.toml docker/cnb/build-lifecycle.sh writes beside the binaries. */
export function parseLifecycleToml(text: string): LifecycleDescriptor {
  let section = '';
  const lists: Record<string, string[]> = {};
  let version = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const list = /^(supported|deprecated)\s*=\s*\[(.*)\]$/.exec(line);
    if (list) lists[`${section}.${list[1]}`] = [...list[2]!.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
    const v = /^version\s*=\s*"([^"]*)"$/.exec(line);
    if (v && section === 'lifecycle') version = v[1]!;
  }
  const get = (k: string) => lists[k] ?? [];
  if (!version || get('apis.platform.supported').length === 0) throw new Error('lifecycle.toml names no version or no supported platform APIs');
  return {
    version,
    apis: {
      buildpack: { supported: get('apis.buildpack.supported'), deprecated: get('apis.buildpack.deprecated') },
      platform: { supported: get('apis.platform.supported'), deprecated: get('apis.platform.deprecated') },
    },
  };
}

export function buildpackToml(bp: OfflineBuildpack): string {
  return [
    `api = ${tomlString(BUILDPACK_API)}`,
    '',
    '[buildpack]',
    `  id = ${tomlString(bp.id)}`,
    `  version = ${tomlString(bp.version)}`,
    `  name = ${tomlString(bp.name)}`,
    '  homepage = "https://github.com/ofn-local/ofn-local"',
    '',
    '[[stacks]]',
    `  id = ${tomlString(OFFLINE_STACK_ID)}`,
    '',
  ].join('\n');
}

/** bin/detect or bin/build: hands over to the bundled program with the lifecycle's arguments. */
export function binScript(bp: OfflineBuildpack, phase: 'detect' | 'build'): string {
  return ['#!/bin/sh', `exec node "$CNB_BUILDPACK_DIR/lib/ofn-buildpacks.cjs" ${bp.entry} ${phase} "$@"`, ''].join('\n');
}

/** One group per buildpack: Go first (a Go module may also carry a package.json for tooling). */
export function orderToml(bps: readonly OfflineBuildpack[] = OFFLINE_BUILDPACKS): string {
  return bps.map((bp) => ['[[order]]', '  [[order.group]]', `    id = ${tomlString(bp.id)}`, `    version = ${tomlString(bp.version)}`, ''].join('\n')).join('\n');
}

export function stackToml(runImage = OFFLINE_RUN_IMAGE): string {
  return ['[run-image]', `  image = ${tomlString(runImage)}`, '', '[build-image]', `  image = ${tomlString(OFFLINE_BUILD_IMAGE)}`, ''].join('\n');
}

export function runToml(runImage = OFFLINE_RUN_IMAGE): string {
  return ['[[images]]', `  image = ${tomlString(runImage)}`, ''].join('\n');
}

const USER_SETUP = [
  `echo 'cnb:x:${CNB_UID}:${CNB_GID}:cnb:/home/cnb:/bin/sh' >> /etc/passwd`,
  `echo 'cnb:x:${CNB_GID}:' >> /etc/group`,
  'mkdir -p /home/cnb',
  `chown ${CNB_UID}:${CNB_GID} /home/cnb`,
  // The host's extra CA (proxies that intercept TLS): trusted by Go, npm and the function.
  'for f in /usr/local/share/ofn-local-ca/*.pem; do if [ -f "$f" ]; then cat "$f" >> /etc/ssl/certs/ca-certificates.crt; fi; done',
].join(' && ');

const STACK_ENV = `ENV CNB_USER_ID=${CNB_UID} CNB_GROUP_ID=${CNB_GID} CNB_STACK_ID=${OFFLINE_STACK_ID}`;

/** The stack's build image: the base, Go (the host's toolchain) and npm, the cnb user. Context: go/, npm/, ca/. */
export function buildImageDockerfile(base: string): string {
  return [
    `FROM ${base}`,
    'COPY go/ /usr/local/go/',
    'COPY npm/ /usr/local/lib/node_modules/npm/',
    'COPY ca/ /usr/local/share/ofn-local-ca/',
    `RUN ln -sf /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -sf /usr/local/lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx && ${USER_SETUP}`,
    'ENV PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt',
    STACK_ENV,
    `USER ${CNB_UID}:${CNB_GID}`,
    '',
  ].join('\n');
}

/** The stack's run image: the base (Node for Node functions; Go binaries are static), the cnb user. Context: ca/. */
export function runImageDockerfile(base: string): string {
  return [
    `FROM ${base}`,
    'COPY ca/ /usr/local/share/ofn-local-ca/',
    `RUN ${USER_SETUP}`,
    'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt',
    STACK_ENV,
    `USER ${CNB_UID}:${CNB_GID}`,
    '',
  ].join('\n');
}

/** The builder: the build image with the lifecycle, the buildpacks and the order. Context: lifecycle/, buildpacks/, *.toml. */
export function builderDockerfile(buildImage = OFFLINE_BUILD_IMAGE): string {
  return [
    `FROM ${buildImage}`,
    'USER root',
    'COPY lifecycle/ /cnb/lifecycle/',
    'COPY buildpacks/ /cnb/buildpacks/',
    'COPY order.toml stack.toml run.toml /cnb/',
    `RUN mkdir -p /layers /workspace /platform/env && chown ${CNB_UID}:${CNB_GID} /layers /workspace`,
    'WORKDIR /layers',
    STACK_ENV,
    `USER ${CNB_UID}:${CNB_GID}`,
    '',
  ].join('\n');
}

/** The labels platforms read from a builder (pack's names and shapes). */
export function builderLabels(lifecycle: LifecycleDescriptor, runImage = OFFLINE_RUN_IMAGE, bps: readonly OfflineBuildpack[] = OFFLINE_BUILDPACKS): Record<string, string> {
  const refs = bps.map((bp) => ({ id: bp.id, version: bp.version }));
  const layers: Record<string, Record<string, unknown>> = {};
  for (const bp of bps) layers[bp.id] = { [bp.version]: { api: BUILDPACK_API, stacks: [{ id: OFFLINE_STACK_ID }], homepage: 'https://github.com/ofn-local/ofn-local' } };
  return {
    'io.buildpacks.stack.id': OFFLINE_STACK_ID,
    'io.buildpacks.builder.metadata': JSON.stringify({
      description: "ofn-local's offline builder: Node and Go functions by OpenFunction's build contract",
      buildpacks: refs,
      stack: { runImage: { image: runImage, mirrors: [] } },
      images: [{ image: runImage, mirrors: [] }],
      lifecycle: {
        version: lifecycle.version,
        api: { buildpack: lifecycle.apis.buildpack.supported[0], platform: lifecycle.apis.platform.supported[0] },
        apis: lifecycle.apis,
      },
      createdBy: { name: 'ofn-local', version: '0.1.0' },
    }),
    'io.buildpacks.buildpack.order': JSON.stringify(bps.map((bp) => ({ group: [{ id: bp.id, version: bp.version }] }))),
    'io.buildpacks.buildpack.layers': JSON.stringify(layers),
    'io.buildpacks.lifecycle.version': lifecycle.version,
  };
}
