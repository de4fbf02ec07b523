/**
 * State key prefixes (metadata `keyPrefix`): `appid` (default) → `<appId>||key`, `name` →
 * `<store>||key`, `namespace` → `<namespace>.<appId>||key` (appid without NAMESPACE),
 * `none` → key as is, any other text → `<text>||key`. An empty app id means no prefix.
 * Keys containing `||` are refused.
 */
export const KEY_SEPARATOR = '||';

export function keyPrefixFor(setting: string | undefined, ctx: { appId: string; storeName: string; namespace?: string }): string {
  const mode = (setting ?? '').trim();
  switch (mode.toLowerCase()) {
    case '':
    case 'appid':
      return ctx.appId ? `${ctx.appId}${KEY_SEPARATOR}` : '';
    case 'name':
      return `${ctx.storeName}${KEY_SEPARATOR}`;
    case 'namespace':
      if (!ctx.namespace) return ctx.appId ? `${ctx.appId}${KEY_SEPARATOR}` : '';
      return `${ctx.namespace}.${ctx.appId}${KEY_SEPARATOR}`;
    case 'none':
      return '';
    default:
      if (mode.includes(KEY_SEPARATOR)) throw new Error(`keyPrefix ${mode} may not contain ${KEY_SEPARATOR}`);
      return `${mode}${KEY_SEPARATOR}`;
  }
}

/** The stored key for a user key; throws for a key containing `||`. */
export function prefixedKey(prefix: string, key: string): string {
  if (key.includes(KEY_SEPARATOR)) throw new Error(`input key/keyPrefix '${key}' can't contain '${KEY_SEPARATOR}'`);
  return `${prefix}${key}`;
}

export function unprefixedKey(prefix: string, key: string): string {
  return prefix && key.startsWith(prefix) ? key.slice(prefix.length) : key;
}
