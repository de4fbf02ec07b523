import type { Metadata } from '../component.js';

/**
 * `ttlInSeconds` of a state request: undefined when absent, a number of seconds otherwise
 * (0 or less: no expiry). A value that is not an integer is an error, as in daprd.
 */
export function ttlSeconds(metadata: Metadata): number | undefined {
  const text = metadata.ttlInSeconds;
  if (text === undefined || text === '') return undefined;
  if (!/^-?\d+$/.test(text.trim())) throw new Error(`ttlInSeconds must be an integer, got "${text}"`);
  return Number(text);
}

/** RFC 3339 UTC, seconds precision, as daprd reports `ttlExpireTime`. */
export function expireTimeText(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
