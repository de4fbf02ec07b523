/**
 * Where other app ids of the project are reached, as Dapr's name resolution would find them, and what
 * each enforces: ofn-local's daemon keeps a JSON file of app ids and names it in OFN_LOCAL_APP_IDS.
 * An entry is `"<host>:<port>"` (a function's local stand-in, which wakes it from zero) or an object
 * with that `address` (absent for apps not reached by invocation), the app's `trustDomain` and the
 * `accessControl` list its own sidecar would apply to callers (checked here, by the calling sidecar,
 * since the call goes to the app's stand-in). The file is read again whenever it changed, so
 * functions added while the sidecar runs are found.
 */
import { readFileSync, statSync } from 'node:fs';
import type { AccessControlList } from '../shared/access-control.js';

export const APP_IDS_ENV = 'OFN_LOCAL_APP_IDS';

export interface AppIdEntry {
  /** Where calls go; absent when the app is known but not reached by service invocation. */
  host?: string;
  port?: number;
  /** The app's protocol (HTTP verbs count in access control only for HTTP apps). */
  protocol?: 'http' | 'grpc';
  /** The app's identity's trust domain (its Configuration's accessControl.trustDomain, else `public`). */
  trustDomain: string;
  accessControl?: AccessControlList;
}

interface FileEntry {
  address?: string;
  protocol?: 'http' | 'grpc';
  trustDomain?: string;
  accessControl?: AccessControlList;
}

export type AppIdResolver = (appId: string) => AppIdEntry | undefined;

export function appIdResolver(file: string): AppIdResolver {
  let cached: { mtimeMs: number; ids: Record<string, string | FileEntry> } | undefined;
  return (appId) => {
    try {
      const { mtimeMs } = statSync(file);
      if (!cached || cached.mtimeMs !== mtimeMs) cached = { mtimeMs, ids: JSON.parse(readFileSync(file, 'utf8')) as Record<string, string | FileEntry> };
    } catch {
      return undefined;
    }
    const raw = cached.ids[appId];
    if (raw === undefined) return undefined;
    const entry: FileEntry = typeof raw === 'string' ? { address: raw } : raw;
    const m = entry.address ? /^(.+):(\d+)$/.exec(entry.address) : null;
    return {
      ...(m ? { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]) } : {}),
      ...(entry.protocol ? { protocol: entry.protocol } : {}),
      trustDomain: entry.trustDomain || 'public',
      ...(entry.accessControl ? { accessControl: entry.accessControl } : {}),
    };
  };
}
