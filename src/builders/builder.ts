import type { LoadedFunction } from '../model/types.js';

export interface BuildContext {
  signal?: AbortSignal;
  /** Each line of build output (npm, docker build): goes to the journal and `ofn-local logs`. */
  log: (line: string) => void;
}

export interface BuildResult {
  /** The prepared app folder (source + dependencies + framework shim); the process runtime runs it. */
  appDir: string;
  /** The local image (docker runtime only). */
  image?: string;
  /** Content hash of everything that went into the result. */
  fingerprint: string;
  /** True when an identical earlier result was reused. */
  cached: boolean;
  /**
   * The program an instance runs, when it is not the Node functions framework (a Go binary): its
   * path in `appDir` for the process runtime, in the image for Docker.
   */
  command?: string[];
}

/** Turns a function's source into something a runtime can start. Buildpacks come later behind this. */
export interface Builder {
  build(fn: LoadedFunction, ctx: BuildContext): Promise<BuildResult>;
}
