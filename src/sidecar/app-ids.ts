/**
 * Where other app ids of the project are reached, as Dapr's name resolution would find them:
 * ofn-local's daemon keeps a JSON file `{"<app-id>": "<host>:<port>"}` of each function's local
 * stand-in (it wakes the function from zero) and names it in OFN_LOCAL_APP_IDS. The file is read
 * again whenever it changed, so functions added while the sidecar runs are found.
 */
import { readFileSync, statSync } from 'node:fs';

export const APP_IDS_ENV = 'OFN_LOCAL_APP_IDS';

export function appIdResolver(file: string): (appId: string) => { host: string; port: number } | undefined {
  let cached: { mtimeMs: number; ids: Record<string, string> } | undefined;
  return (appId) => {
    try {
      const { mtimeMs } = statSync(file);
      if (!cached || cached.mtimeMs !== mtimeMs) cached = { mtimeMs, ids: JSON.parse(readFileSync(file, 'utf8')) as Record<string, string> };
    } catch {
      return undefined;
    }
    const address = cached.ids[appId];
    const m = address ? /^(.+):(\d+)$/.exec(address) : null;
    return m ? { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]) } : undefined;
  };
}
