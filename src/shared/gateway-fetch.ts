import http from 'node:http';

export interface GatewayFetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
}

/**
 * `fetch` for the gateway's URLs. A host-based URL (`http://<fn>.<ns>.ofn.localhost:<port>/`) goes
 * to 127.0.0.1 with that Host header: browsers and curl resolve `*.localhost` to loopback, Node's
 * resolver does not everywhere, and fetch cannot set Host.
 */
export async function gatewayFetch(url: string, init: GatewayFetchInit = {}): Promise<Response> {
  const target = new URL(url);
  if (!target.hostname.endsWith('.localhost')) return fetch(url, init);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: target.port || 80,
        path: `${target.pathname}${target.search}`,
        method: init.method ?? 'GET',
        headers: { ...init.headers, host: target.host },
        signal: init.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 502;
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) for (const value of [v ?? []].flat()) headers.append(k, value);
          // Statuses that carry no body take none in a Response.
          const body = [101, 204, 205, 304].includes(status) ? null : Buffer.concat(chunks);
          resolve(new Response(body, { status, statusText: res.statusMessage, headers }));
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}
