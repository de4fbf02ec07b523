/**
 * daprd's delivery rules toward the app, with a plain recording app (no SDK) and the
 * in-memory pubsub: status semantics, dead-letter topics, Resiliency retries, routing
 * rules, raw payloads, expiry, and input-binding probes.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { api, cleanup, component, startApp, startSidecar, waitUntil, type RecordedRequest } from './harness.js';
import { describeSidecars } from '../../helpers/daprd.js';

afterAll(cleanup);

const subscribe = (subs: unknown[]) => (req: RecordedRequest) => (req.path === '/dapr/subscribe' ? { body: JSON.stringify(subs) } : undefined);

const resiliency = (policy: string) => `apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: r
spec:
  policies:
    retries:
      DefaultPubsubComponentInboundRetryPolicy:
${policy}
  targets: {}
`;

describeSidecars((kind) => {
  describe('pubsub deliveries', () => {
    it('sends DROP answers to the dead-letter topic with the original CloudEvent; drops a 404 without', async () => {
      const app = await startApp((req) => {
        const sub = subscribe([
          { pubsubname: 'bus', topic: 'dropped', route: '/drop', deadLetterTopic: 'dead' },
          { pubsubname: 'bus', topic: 'missing', route: '/missing', deadLetterTopic: 'dead' },
          { pubsubname: 'bus', topic: 'dead', route: '/dead' },
        ])(req);
        if (sub) return sub;
        if (req.path === '/drop') return { body: '{"status":"DROP"}' };
        if (req.path === '/missing') return { status: 404, body: 'no such route' };
        return {};
      });
      const sidecar = await startSidecar({ kind, appId: 'dlq-app', appPort: app.port, resources: { 'c.yaml': component('bus', 'pubsub.in-memory') } });
      await sidecar.ready;
      await api(sidecar, 'POST', '/v1.0/publish/bus/dropped', { id: 'one' });
      await api(sidecar, 'POST', '/v1.0/publish/bus/missing', { id: 'two' });
      await waitUntil(() => app.received('/dead').length === 1 && app.received('/missing').length === 1, 5000, 'a dead letter and the 404', sidecar.logText);
      // The 404 is settled (not retried, not dead-lettered): one more publish arrives alone.
      await api(sidecar, 'POST', '/v1.0/publish/bus/dropped', { id: 'three' });
      await waitUntil(() => app.received('/dead').length === 2, 5000, 'the second dead letter', sidecar.logText);
      const dead = app.received('/dead').map((r) => JSON.parse(r.body) as { data: { id: string }; topic: string });
      expect(dead.map((d) => d.data.id)).toEqual(['one', 'three']);
      // The original envelope travels unchanged (its topic is still the source topic).
      expect(dead.map((d) => d.topic)).toEqual(['dropped', 'dropped']);
      expect(app.received('/missing')).toHaveLength(1);
    });

    it('retries RETRY per the Resiliency policy and acknowledges after SUCCESS (delivered once more)', async () => {
      let calls = 0;
      const app = await startApp((req) => {
        const sub = subscribe([{ pubsubname: 'bus', topic: 'flaky', route: '/flaky', deadLetterTopic: 'dead' }, { pubsubname: 'bus', topic: 'dead', route: '/dead' }])(req);
        if (sub) return sub;
        if (req.path === '/flaky') return ++calls === 1 ? { body: '{"status":"RETRY"}' } : { body: '{"status":"SUCCESS"}' };
        return {};
      });
      const sidecar = await startSidecar({ kind,
        appId: 'retry-app',
        appPort: app.port,
        resources: { 'c.yaml': component('bus', 'pubsub.in-memory'), 'r.yaml': resiliency('        policy: constant\n        duration: 50ms\n        maxRetries: 3') },
      });
      await sidecar.ready;
      await api(sidecar, 'POST', '/v1.0/publish/bus/flaky', { n: 1 });
      await waitUntil(() => calls === 2, 5000, 'the second delivery', sidecar.logText);
      await new Promise((r) => setTimeout(r, 300));
      expect(calls).toBe(2);
      expect(app.received('/dead')).toHaveLength(0);
    });

    it('dead-letters when retries run out, and without a policy on the first failure', async () => {
      let calls = 0;
      const app = await startApp((req) => {
        const sub = subscribe([{ pubsubname: 'bus', topic: 'broken', route: '/broken', deadLetterTopic: 'dead' }, { pubsubname: 'bus', topic: 'dead', route: '/dead' }])(req);
        if (sub) return sub;
        if (req.path === '/broken') {
          calls++;
          return { status: 500, body: 'boom' };
        }
        return {};
      });
      const sidecar = await startSidecar({ kind,
        appId: 'exhaust-app',
        appPort: app.port,
        resources: { 'c.yaml': component('bus', 'pubsub.in-memory'), 'r.yaml': resiliency('        policy: constant\n        duration: 20ms\n        maxRetries: 2') },
      });
      await sidecar.ready;
      await api(sidecar, 'POST', '/v1.0/publish/bus/broken', { n: 1 });
      await waitUntil(() => app.received('/dead').length === 1, 5000, 'the dead letter', sidecar.logText);
      expect(calls).toBe(3);
    });

    it('routes by rules (first match wins, default last) and drops messages no rule matches', async () => {
      const app = await startApp(
        subscribe([
          { pubsubname: 'bus', topic: 'routed', routes: { rules: [{ match: 'event.type == "big"', path: '/big' }, { match: 'event.data.size > 10', path: '/large' }], default: '/small' } },
          { pubsubname: 'bus', topic: 'strict', routes: { rules: [{ match: 'event.type == "only"', path: '/only' }] } },
        ]),
      );
      const sidecar = await startSidecar({ kind, appId: 'rules-app', appPort: app.port, resources: { 'c.yaml': component('bus', 'pubsub.in-memory') } });
      await sidecar.ready;
      await api(sidecar, 'POST', '/v1.0/publish/bus/routed?metadata.cloudevent.type=big', { size: 1 });
      await api(sidecar, 'POST', '/v1.0/publish/bus/routed', { size: 50 });
      await api(sidecar, 'POST', '/v1.0/publish/bus/routed', { size: 5 });
      await api(sidecar, 'POST', '/v1.0/publish/bus/strict', { x: 1 });
      await waitUntil(() => app.received('/big').length + app.received('/large').length + app.received('/small').length === 3, 5000, 'routed deliveries', sidecar.logText);
      expect([app.received('/big').length, app.received('/large').length, app.received('/small').length]).toEqual([1, 1, 1]);
      await new Promise((r) => setTimeout(r, 100));
      expect(app.received('/only')).toHaveLength(0);
      const md = (await api(sidecar, 'GET', '/v1.0/metadata')).json() as { subscriptions: { topic: string; rules: { match: string; path: string }[]; type: string }[] };
      expect(md.subscriptions.find((s) => s.topic === 'routed')).toMatchObject({
        type: 'PROGRAMMATIC',
        rules: [{ match: 'event.type == "big"', path: '/big' }, { match: 'event.data.size > 10', path: '/large' }, { path: '/small' }],
      });
    });

    it('wraps raw payloads for rawPayload subscriptions and passes raw JSON objects as they are', async () => {
      const app = await startApp(
        subscribe([
          { pubsubname: 'bus', topic: 'raw-in', route: '/raw', metadata: { rawPayload: 'true' } },
          { pubsubname: 'bus', topic: 'plain-in', route: '/plain' },
          { pubsubname: 'bus', topic: 'quoted', route: '/quoted', metadata: { rawPayload: '"true"' }, deadLetterTopic: 'quoted-dead' },
          { pubsubname: 'bus', topic: 'quoted-dead', route: '/quoted-dead' },
        ]),
      );
      const sidecar = await startSidecar({ kind, appId: 'raw-app', appPort: app.port, resources: { 'c.yaml': component('bus', 'pubsub.in-memory') } });
      await sidecar.ready;
      await api(sidecar, 'POST', '/v1.0/publish/bus/raw-in?metadata.rawPayload=true', 'just bytes', { 'content-type': 'text/plain' });
      await api(sidecar, 'POST', '/v1.0/publish/bus/plain-in?metadata.rawPayload=true', { not: 'wrapped' });
      await api(sidecar, 'POST', '/v1.0/publish/bus/quoted', { x: 1 });
      await waitUntil(() => app.received('/raw').length === 1 && app.received('/plain').length === 1 && app.received('/quoted-dead').length === 1, 5000, 'deliveries', sidecar.logText);
      const raw = JSON.parse(app.received('/raw')[0]!.body) as Record<string, string>;
      expect(raw).toMatchObject({ datacontenttype: 'application/octet-stream', source: 'Dapr', topic: 'raw-in', pubsubname: 'bus' });
      expect(Buffer.from(raw.data_base64!, 'base64').toString()).toBe('just bytes');
      expect(app.received('/plain')[0]!.body).toBe('{"not":"wrapped"}');
      // The SDK's JSON-encoded "\"true\"" is not a boolean for daprd: the message fails.
      expect(app.received('/quoted')).toHaveLength(0);
      expect(sidecar.logText()).toContain('rawPayload');
    });

    it('drops expired messages (ttlInSeconds on a pubsub without native TTL)', async () => {
      const app = await startApp(subscribe([{ pubsubname: 'bus', topic: 'short', route: '/short' }]));
      const sidecar = await startSidecar({ kind, appId: 'ttl-app', appPort: app.port, resources: { 'c.yaml': component('bus', 'pubsub.in-memory') } });
      await sidecar.ready;
      const expired = JSON.stringify({ id: 'x', specversion: '1.0', type: 't', source: 's', expiration: '2000-01-01T00:00:00Z', data: 1 });
      await api(sidecar, 'POST', '/v1.0/publish/bus/short', expired, { 'content-type': 'application/cloudevents+json' });
      await api(sidecar, 'POST', '/v1.0/publish/bus/short?metadata.ttlInSeconds=60', { fresh: true });
      await waitUntil(() => app.received('/short').length === 1, 5000, 'the fresh message', sidecar.logText);
      const fresh = JSON.parse(app.received('/short')[0]!.body) as { expiration: string; data: unknown };
      expect(fresh.data).toEqual({ fresh: true });
      expect(Date.parse(fresh.expiration)).toBeGreaterThan(Date.now());
      await new Promise((r) => setTimeout(r, 100));
      expect(app.received('/short')).toHaveLength(1);
    });
  });

  describe('declarative subscriptions', () => {
    it('delivers to the route of a Subscription resource scoped to the app', async () => {
      const app = await startApp();
      const subscription = `apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata:
  name: audit
spec:
  pubsubname: bus
  topic: audit
  routes:
    default: /audit-log
scopes:
- decl-app
---
apiVersion: dapr.io/v1alpha1
kind: Subscription
metadata:
  name: not-mine
spec:
  pubsubname: bus
  topic: audit
  route: /elsewhere
scopes:
- another-app
`;
      const sidecar = await startSidecar({ kind, appId: 'decl-app', appPort: app.port, resources: { 'c.yaml': component('bus', 'pubsub.in-memory'), 's.yaml': subscription } });
      await sidecar.ready;
      await api(sidecar, 'POST', '/v1.0/publish/bus/audit', { who: 'me' });
      await waitUntil(() => app.received('/audit-log').length === 1, 5000, 'the declarative delivery', sidecar.logText);
      expect(app.received('/elsewhere')).toHaveLength(0);
      const listed = ((await api(sidecar, 'GET', '/v1.0/metadata')).json() as { subscriptions?: { topic: string; type: string }[] }).subscriptions;
      expect(listed).toEqual([expect.objectContaining({ topic: 'audit', type: 'DECLARATIVE' })]);
      if (kind === 'embedded') expect(sidecar.subscriptions()).toEqual([expect.objectContaining({ topic: 'audit', type: 'DECLARATIVE' })]);
    });
  });

  describe("the app's token (APP_API_TOKEN)", () => {
    it('goes to the app as dapr-api-token with every call: its subscriptions, deliveries and invocations', async () => {
      const app = await startApp(subscribe([{ pubsubname: 'bus', topic: 'orders', route: '/orders' }]));
      const sidecar = await startSidecar({ kind, appId: 'token-app', appPort: app.port, resources: { 'c.yaml': component('bus', 'pubsub.in-memory') }, env: { ...process.env, APP_API_TOKEN: 'app-sekret' } });
      await sidecar.ready;
      await api(sidecar, 'POST', '/v1.0/publish/bus/orders', { id: 1 });
      await api(sidecar, 'POST', '/v1.0/invoke/token-app/method/hello', { hi: true });
      await waitUntil(() => app.received('/orders').length === 1 && app.received('/hello').length === 1, 5000, 'the delivery and the invocation', sidecar.logText);
      for (const req of [app.received('/dapr/subscribe', 'GET')[0]!, app.received('/orders')[0]!, app.received('/hello')[0]!]) {
        expect(req.headers['dapr-api-token'], req.path).toBe('app-sekret');
      }
      // Without it, no token header at all.
      const plain = await startApp(subscribe([]));
      const other = await startSidecar({ kind, appId: 'plain-app', appPort: plain.port, env: { ...process.env, APP_API_TOKEN: '' } });
      await other.ready;
      await api(other, 'POST', '/v1.0/invoke/plain-app/method/hello', {});
      await waitUntil(() => plain.received('/hello').length === 1, 5000, 'the invocation', other.logText);
      expect(plain.received('/hello')[0]!.headers['dapr-api-token']).toBeUndefined();
    });
  });

  describe('app channel start-up', () => {
    it('waits for the app port, then reads /dapr/config and probes input bindings (no pubsub: no /dapr/subscribe)', async () => {
      const { freePort } = await import('./harness.js');
      const port = await freePort();
      const sidecar = await startSidecar({ kind,
        appId: 'late-app',
        appPort: port,
        resources: {
          'c.yaml': [component('tick', 'bindings.cron', { schedule: '@every 1s' }), component('ignored-tick', 'bindings.cron', { schedule: '@every 1s' }), component('routed-tick', 'bindings.cron', { schedule: '@every 1s', route: '/custom' })].join('---\n'),
        },
      });
      expect((await api(sidecar, 'GET', '/v1.0/healthz')).status).toBe(500);
      expect((await api(sidecar, 'GET', '/v1.0/healthz/outbound')).status).toBe(204);
      await new Promise((r) => setTimeout(r, 300));
      const app = await startApp((req) => (req.method === 'OPTIONS' && req.path === '/ignored-tick' ? { status: 404 } : {}), port);
      await sidecar.ready;
      expect((await api(sidecar, 'GET', '/v1.0/healthz')).status).toBe(204);
      const asked = app.requests.map((r) => `${r.method} ${r.path}`);
      expect(asked[0]).toBe('GET /dapr/config');
      // daprd asks for subscriptions only when it has a pubsub component.
      expect(asked).not.toContain('GET /dapr/subscribe');
      expect(app.received('/tick', 'OPTIONS')).toHaveLength(1);
      await waitUntil(() => app.received('/tick').length >= 1 && app.received('/custom').length >= 1, 4000, 'cron events', sidecar.logText);
      const tick = app.received('/tick')[0]!;
      expect(tick.body).toBe('');
      expect(tick.headers['content-type']).toBe('application/json');
      expect(tick.headers.timezone).toBe('Local');
      expect(tick.headers.readtimeutc).toMatch(/ \+0000 UTC$/);
      expect(app.received('/ignored-tick')).toHaveLength(0);
    });
  });
});
