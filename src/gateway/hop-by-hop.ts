/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection: a proxy drops them, and the ones a
 * `Connection` header names, in both directions. Node's http client and server then set their own
 * framing (`transfer-encoding`, `connection`) for each side. Pure.
 */
import type http from 'node:http';

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

export function endToEndHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const out: http.OutgoingHttpHeaders = { ...headers };
  for (const h of [...HOP_BY_HOP, ...named]) delete out[h];
  return out;
}
