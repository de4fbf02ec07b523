/**
 * The model's public types: what the rest of ofn-local sees of a loaded project.
 * The model is pure: it reads files and runs `git` to find a checkout's top level, but never
 * touches Docker or the network.
 */

import type { EventsModel } from './events/types.js';
import type { FunctionSpecV1beta2 } from './function-schema.js';
import type { JsonObject, Origin } from './origin.js';

export type { JsonObject, Origin };

/** One problem (or warning) found in the user's manifests. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  /** Absolute path of the manifest file. */
  file: string;
  /** 0-based index of the YAML document inside the file. */
  doc: number;
  /** 1-based line of the offending node when known. */
  line?: number;
  /** Field path, e.g. `spec.serving.triggers.http.port` (empty for the whole document). */
  path: string;
  /** What is wrong and what was expected, e.g. "expected an integer, got string \"80a\"". */
  message: string;
}


/** How a Function's code is found locally. */
export type ResolvedSource =
  | {
      kind: 'local';
      /** Absolute folder holding the function's code. */
      dir: string;
      /** How it was found, for messages: annotation, srcRepo.url path, or checkout + sourceSubPath. */
      via: 'annotation' | 'srcRepo.url' | 'checkout';
    }
  /** `spec.image` and no `spec.build`: run the image as is. */
  | { kind: 'image'; image: string };

/** Effective scale settings of a sync function (Knative semantics, OpenFunction precedence). */
export interface ScaleSettings {
  /** minReplicas / autoscaling.knative.dev/min-scale; 0 allows scale to zero. */
  min: number;
  /** maxReplicas / max-scale; 0 in Knative means unlimited, ofn-local caps it (see docs/export.md). */
  max: number;
  /** autoscaling.knative.dev/target: concurrent requests per instance, default 100. */
  target: number;
  /** autoscaling.knative.dev/container-concurrency: hard limit per instance, 0 = unlimited. */
  containerConcurrency: number;
}

/** A Function after parsing, v1beta1 conversion and the webhook's defaults. */
export interface LoadedFunction {
  name: string;
  namespace: string;
  /** `knative` when the function has an HTTP trigger, `async` when it has dapr triggers. */
  runtime: 'knative' | 'async';
  /** `spec.serving.triggers.http.port` (sync) or 8080 (async). */
  port: number;
  /** `spec.version` after defaulting (`latest`). */
  version: string;
  /** `spec.image` as written (what a cluster would push/pull; may be a placeholder). */
  image: string;
  source: ResolvedSource;
  /** Build env (`spec.build.env`), e.g. FUNC_NAME, FUNC_TYPE. */
  buildEnv: Record<string, string>;
  /** `spec.serving.params`: injected as plain env vars. */
  params: Record<string, string>;
  labels: Record<string, string>;
  /** Pod annotations: `spec.serving.annotations`. */
  annotations: Record<string, string>;
  scale: ScaleSettings;
  /** The FUNC_CONTEXT JSON string exactly as the v1.2 controller would set it. */
  funcContext: string;
  /** The FUNC_CONTEXT_V1BETA2 JSON string. */
  funcContextV1beta2: string;
  /** The whole defaulted v1beta2 resource (apiVersion, kind, metadata, spec) as plain JSON, typed by its zod schema. */
  resource: FunctionResource;
  origin: Origin;
}

/** What Dapr's annotations are read from: a Function (its serving annotations) or a Deployment (its pod template's). */
export type DaprApp = Pick<LoadedFunction, 'name' | 'namespace' | 'annotations' | 'origin'>;

/** A Function as a v1beta2 manifest, defaulted: what `spec` holds is what the zod schema made of it. */
export type FunctionResource = {
  apiVersion: 'core.openfunction.io/v1beta2';
  kind: 'Function';
  metadata: { name?: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: FunctionSpecV1beta2;
};

export interface Project {
  /** Absolute folder the project was loaded from (the folder given, or the first file's folder). */
  root: string;
  /** Every manifest file read, absolute, sorted. */
  files: string[];
  functions: LoadedFunction[];
  /** `apps/v1` Deployments beside the functions (their image run as is, with a Dapr sidecar when annotated). */
  deployments: LoadedDeployment[];
  /** Documents of kinds this issue does not run yet (EventSource, Component, ...), kept for later use. */
  others: { apiVersion: string; kind: string; name: string; namespace: string; origin: Origin; resource: JsonObject }[];
  /** The EventSources, event buses and Triggers among `others`, validated and defaulted. */
  events: EventsModel;
  warnings: Diagnostic[];
}

/** An `apps/v1` Deployment as ofn-local runs it (model/deployment.ts): one container of its pod template (the app), `replicas` times. */
export interface LoadedDeployment {
  name: string;
  namespace: string;
  /** `spec.replicas` (Kubernetes' default 1). */
  replicas: number;
  /** The pod template's labels. */
  labels: Record<string, string>;
  /** The pod template's annotations: `dapr.io/*` ask for a sidecar, as Dapr's injector reads them. */
  annotations: Record<string, string>;
  container: {
    name: string;
    image: string;
    /** Kubernetes `command` (the image's ENTRYPOINT replaced) and `args` (its CMD replaced). */
    command?: string[];
    args?: string[];
    /** `env` entries with a `value` (others are reported and left out). */
    env: Record<string, string>;
    /** `ports[].containerPort`, in order. */
    ports: number[];
    workingDir?: string;
  };
  /** Names of the namespace's Services whose selector picks its pods: they reach the pods too. */
  services: string[];
  origin: Origin;
  /** The document as written, for export (passed through unchanged). */
  resource: JsonObject;
}
