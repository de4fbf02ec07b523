/**
 * The Configuration file `--dapr daprd` gives each daprd (`--config`, as `dapr run --config` does):
 * the function's own `dapr.io/config` Configuration, as the cluster's daprd loads it, plus name
 * resolution so the project's daprds find each other's app ids.
 *
 * Self-hosted daprd resolves app ids with mDNS, which neither Docker's bridge networks nor a
 * host's loopback carry reliably. Dapr's `sqlite` name resolver (dapr 1.13 and later) needs
 * nothing but a file: every daprd of the project registers its internal gRPC address in one
 * SQLite database and looks the others up there (the stand-in for Kubernetes DNS).
 */
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { daprConfigurationFor } from '../model/access-control.js';
import type { DaprApp, Project } from '../model/types.js';

/** Dapr's sqlite name resolver came with daprd 1.13. */
export function hasSqliteNameResolver(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((n) => Number.parseInt(n, 10));
  return major > 1 || (major === 1 && minor >= 13);
}

/** The registry's file name in namesDir. */
export const NAMES_DB = 'names.db';

/** Where the project's daprds share their name registrations (`<state>/dapr/_names/`). */
export function namesDir(stateDir: string): string {
  return path.join(stateDir, 'dapr', '_names');
}

/** A fresh, empty registry for a run: an earlier run's registrations point at daprds long gone. */
export async function resetNames(stateDir: string): Promise<void> {
  const dir = namesDir(stateDir);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  // daprd in a container may run as another user than the daemon: it creates the database here.
  await chmod(dir, 0o777);
}

/**
 * The Configuration document for one daprd, and what it changed from the user's (for the build
 * log). `namesDb`: the registry's path as that daprd sees it; undefined leaves daprd's own default
 * (mDNS), for a daprd too old for the sqlite resolver.
 */
export function daprdConfiguration(fn: DaprApp, project: Pick<Project, 'others'>, appId: string, namesDb: string | undefined): { document: Record<string, unknown>; notes: string[] } {
  const own = daprConfigurationFor(fn, project);
  const spec: Record<string, unknown> = { ...((own?.resource.spec ?? {}) as Record<string, unknown>) };
  const notes: string[] = [];
  const where = own ? `Configuration ${own.name} (${own.origin.file})` : '';
  if (namesDb) {
    if (spec.nameResolution) notes.push(`${where}: its spec.nameResolution is replaced here by Dapr's sqlite resolver, so this project's daprds find each other; the cluster keeps yours`);
    spec.nameResolution = { component: 'sqlite', version: 'v1', configuration: { connectionString: namesDb } };
  } else {
    notes.push("this daprd is older than 1.13 and has no sqlite name resolver: calls to other app ids go through mDNS, which may not reach them here (use daprd 1.13 or later, or --dapr embedded)");
  }
  const acl = spec.accessControl as { policies?: unknown[] } | undefined;
  if (acl?.policies?.length) {
    // daprd learns a caller's app id from its mTLS certificate (Sentry): without one it applies
    // the default action to every caller (dapr/dapr pkg/acl).
    notes.push(`${where}: daprd without mTLS knows no caller's identity, so it applies spec.accessControl.defaultAction to every call and not the per-app policies (--dapr embedded applies them as a cluster does)`);
  }
  const metadata = { name: own?.name ?? `${appId}-ofn-local`, ...(own ? { namespace: own.namespace } : {}) };
  return { document: { apiVersion: 'dapr.io/v1alpha1', kind: 'Configuration', metadata, spec }, notes };
}

/** Writes one daprd's Configuration as `<state>/dapr/_config/<app id>.yaml`; returns its path. */
export async function writeDaprdConfig(stateDir: string, appId: string, document: Record<string, unknown>): Promise<string> {
  const dir = path.join(stateDir, 'dapr', '_config');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${appId}.yaml`);
  await writeFile(file, stringify(document));
  return file;
}
