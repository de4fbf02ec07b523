/** Binary-mode CloudEvent detection by headers (no dependency on the `cloudevents` package). */
import type { Request } from 'express';

/** Binary mode: the four required attributes travel as `ce-*` headers. */
export function isBinaryCloudEvent(req: Request): boolean {
  const headers = req.headers;
  return Boolean(headers['ce-type'] && headers['ce-specversion'] && headers['ce-source'] && headers['ce-id']);
}

/** Attributes of a binary-mode event: every `ce-*` header, without the prefix. */
export function binaryEventAttributes(req: Request): Record<string, string | string[] | undefined> {
  const attributes: Record<string, string | string[] | undefined> = {};
  for (const name in req.headers) {
    if (name.startsWith('ce-')) attributes[name.slice(3)] = req.headers[name];
  }
  return attributes;
}
