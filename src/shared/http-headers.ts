/** Go's http.CanonicalHeaderKey: `content-type` → `Content-Type`. */
export function canonicalHeaderKey(key: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/.test(key)) return key;
  return key
    .toLowerCase()
    .split('-')
    .map((part) => (part ? part[0]!.toUpperCase() + part.slice(1) : part))
    .join('-');
}

/** Header values must not contain CR or LF; daprd drops such metadata, so do we. */
export function isSafeHeaderValue(value: string): boolean {
  return !/[\r\n\0]/.test(value);
}

/** Whether `name` is a valid HTTP header token. */
export function isHeaderName(name: string): boolean {
  return /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/.test(name);
}
