/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection: a proxy drops them, and the ones a
 * `Connection` header names, in both directions. Each side's HTTP stack then sets its own framing
 * (`transfer-encoding`, `connection`). Pure.
 */
import type http from 'node:http';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** The header names a `Connection` value lists, lower case (undefined when it lists none of its own). */
function connectionNames(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  // The usual value, one token (`keep-alive`, `close`): no list to split, read on every request and answer.
  if (!text.includes(',')) {
    const name = text.trim().toLowerCase();
    return name && !HOP_BY_HOP.has(name) ? new Set([name]) : undefined;
  }
  let names: Set<string> | undefined;
  for (const token of text.split(',')) {
    const name = token.trim().toLowerCase();
    // Hop-by-hop names are dropped anyway.
    if (name && !HOP_BY_HOP.has(name)) (names ??= new Set()).add(name);
  }
  return names;
}

/** End-to-end headers of a parsed header object (names in lower case). */
export function endToEndHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const named = connectionNames(headers.connection);
  const out: http.OutgoingHttpHeaders = {};
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || named?.has(name)) continue;
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** What the gateway reads from a request's raw headers, and the ones it passes on. */
export interface RequestHead {
  host: string | undefined;
  contentLength: string | undefined;
  chunked: boolean;
  /** End-to-end headers as a flat `[name, value, ...]` list, names as sent, less those in `replaced`. */
  forward: string[];
}

/**
 * One pass over Node's flat `rawHeaders`: the end-to-end headers (duplicates and case kept) less
 * the names in `replaced` (lower case, set anew by the gateway), and the few the gateway reads itself.
 */
export function readRequestHead(raw: readonly string[], replaced: ReadonlySet<string>): RequestHead {
  const head: RequestHead = { host: undefined, contentLength: undefined, chunked: false, forward: [] };
  let connection: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    if (HOP_BY_HOP.has(name)) {
      if (name === 'connection') connection = connection === undefined ? value : `${connection}, ${value}`;
      else if (name === 'transfer-encoding') head.chunked = true;
      continue;
    }
    if (name === 'host') head.host ??= value;
    else if (name === 'content-length') head.contentLength ??= value;
    if (!replaced.has(name)) head.forward.push(raw[i]!, value);
  }
  const named = connectionNames(connection);
  if (named) {
    const kept: string[] = [];
    for (let i = 0; i < head.forward.length; i += 2) if (!named.has(head.forward[i]!.toLowerCase())) kept.push(head.forward[i]!, head.forward[i + 1]!);
    head.forward = kept;
  }
  return head;
}
