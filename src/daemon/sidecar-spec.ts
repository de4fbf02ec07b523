/**
 * The Dapr sidecar of one app (a function, or a Deployment with Dapr annotations): its Component
 * files and the project's app ids written, and, under `--dapr daprd`, the real daprd's Configuration
 * and program. What the runtime starts beside the app (runtime.ts, SidecarSpec).
 */
import type Docker from 'dockerode';
import path from 'node:path';
import type { BaseImage } from '../builders/base-image.js';
import { ensureSidecarImage } from '../builders/sidecar-image.js';
import type { DaprPlan } from '../model/dapr-plan.js';
import type { DaprApp, Project } from '../model/types.js';
import { POD_NAMES_DIR, type SidecarSpec } from '../runtime/runtime.js';
import { CAPTURE_ENV } from '../sidecar/capture.js';
import { DEFAULT_DAPRD_VERSION, daprdBinary, daprdImage, type DaprMode } from './dapr-mode.js';
import { writeAppIds, writeDaprResources, type AppIdFileEntry } from './dapr-resources.js';
import { daprdConfiguration, hasSqliteNameResolver, NAMES_DB, namesDir, writeDaprdConfig } from './daprd-config.js';

export interface SidecarSpecContext {
  stateDir: string;
  /** The engine, on the docker runtime. */
  docker: Docker | undefined;
  dapr: DaprMode | undefined;
  daprdVersion: string | undefined;
  project: Pick<Project, 'others'>;
  /** Where instances reach the backing services when not by name (`services.addresses`). */
  pods: ReadonlyMap<string, string>;
  /** Each sync function's in-cluster host names → its stand-in, as pods reach it. */
  functions: ReadonlyMap<string, string>;
  /** Every Dapr app of the project, for service invocation between them. */
  appIds: Map<string, AppIdFileEntry>;
  baseImage(log: (line: string) => void): Promise<BaseImage>;
  log(line: string): void;
}

/** DAPR_API_TOKEN / APP_API_TOKEN for both the sidecar and the app, as Dapr's injector sets them. */
export function daprTokenEnv(plan: DaprPlan | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  if (plan?.tokens.api) env.DAPR_API_TOKEN = plan.tokens.api;
  if (plan?.tokens.app) env.APP_API_TOKEN = plan.tokens.app;
  return env;
}

/** Writes what the app's sidecar reads and says how to start it. */
export async function sidecarSpec(app: DaprApp, plan: DaprPlan, ctx: SidecarSpecContext): Promise<SidecarSpec> {
  for (const note of plan.notes) ctx.log(note);
  const resourcesDir = await writeDaprResources(ctx.stateDir, app.namespace, app.name, plan, ctx.pods, ctx.functions);
  const appIdsFile = await writeAppIds(ctx.stateDir, ctx.appIds);
  const base = { appId: plan.appId, resourcesDir, appIdsFile, appProtocol: plan.appProtocol };
  if (ctx.dapr === 'daprd') {
    // The real daprd, with the same flags and Component files (no output capture: it has none;
    // docs/daprd.md). The runtime starts it once the app answers (runtime.ts, SidecarSpec.program).
    const version = ctx.daprdVersion ?? DEFAULT_DAPRD_VERSION;
    // daprd's own name resolution: one registry file the project's daprds share (daprd-config.ts).
    const names = hasSqliteNameResolver(version) ? namesDir(ctx.stateDir) : undefined;
    const namesDb = names && (ctx.docker ? path.posix.join(POD_NAMES_DIR, NAMES_DB) : path.join(names, NAMES_DB));
    const config = daprdConfiguration(app, ctx.project, plan.appId, namesDb);
    for (const note of config.notes) ctx.log(note);
    const daprd = { configFile: await writeDaprdConfig(ctx.stateDir, plan.appId, config.document), ...(names ? { namesDir: names } : {}) };
    const env = daprTokenEnv(plan);
    if (ctx.docker) {
      const image = await daprdImage(ctx.docker, version, () => ctx.baseImage(ctx.log), ctx.log);
      return { ...base, image, program: ['/daprd'], daprd, env };
    }
    return { ...base, program: [await daprdBinary(version, ctx.log)], daprd, env };
  }
  const image = ctx.docker ? await ensureSidecarImage(ctx.docker, await ctx.baseImage(ctx.log), ctx.log) : undefined;
  // The daemon journals what apps send (output.sent): the test API's waitFor and the UI.
  return { ...base, image, env: { [CAPTURE_ENV]: '1', ...daprTokenEnv(plan) } };
}
