/**
 * Reading the app's answer to `GET /dapr/subscribe`: 200 with a JSON array (empty body =
 * none), 404 = none, anything else = error (none). Field names match case-insensitively,
 * as Go's JSON decoding does. `routes.rules` come first in order, then `routes.default`
 * (or `route`); an entry without any path is dropped with a warning.
 */
import type { Logger } from '../logger.js';
import { buildRules, type SubscriptionSpec } from '../resources/load-resources.js';

function pick(obj: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
      out[k] = typeof val === 'string' ? val : JSON.stringify(val);
    }
  }
  return out;
}

export function parseSubscriptions(status: number, body: Buffer, log: Logger): SubscriptionSpec[] {
  if (status === 404) {
    log.debug('the app has no programmatic subscriptions (GET /dapr/subscribe answered 404)');
    return [];
  }
  if (status !== 200) {
    log.error(`GET /dapr/subscribe answered status ${status}; no programmatic subscriptions`);
    return [];
  }
  const text = body.toString('utf8').trim();
  if (text === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    log.error(`GET /dapr/subscribe answered invalid JSON (${(err as Error).message}); no programmatic subscriptions`);
    return [];
  }
  if (parsed === null) return [];
  if (!Array.isArray(parsed)) {
    log.error('GET /dapr/subscribe did not answer a JSON array; no programmatic subscriptions');
    return [];
  }
  const out: SubscriptionSpec[] = [];
  for (const item of parsed) {
    if (!item || typeof item !== 'object') continue;
    const o = item as Record<string, unknown>;
    const pubsubname = str(pick(o, 'pubsubname')) ?? '';
    const topic = str(pick(o, 'topic')) ?? '';
    const routesRaw = pick(o, 'routes') as Record<string, unknown> | undefined;
    let routes: { rules?: { match?: string; path: string }[]; default?: string } | undefined;
    if (routesRaw && typeof routesRaw === 'object') {
      const rulesRaw = pick(routesRaw, 'rules');
      routes = {
        default: str(pick(routesRaw, 'default')),
        rules: Array.isArray(rulesRaw)
          ? rulesRaw
              .filter((r): r is Record<string, unknown> => !!r && typeof r === 'object')
              .map((r) => ({ match: str(pick(r, 'match')), path: str(pick(r, 'path')) ?? '' }))
              .filter((r) => r.path !== '')
          : undefined,
      };
    }
    const rules = buildRules(str(pick(o, 'route')), routes);
    if (!pubsubname || !topic) {
      log.warn(`ignoring a subscription without pubsubname or topic: ${JSON.stringify(item)}`);
      continue;
    }
    if (rules.length === 0) {
      log.warn(`ignoring the subscription to topic ${topic} on ${pubsubname}: it has no route`);
      continue;
    }
    const bulkRaw = pick(o, 'bulkSubscribe') as Record<string, unknown> | undefined;
    const deadLetterTopic = str(pick(o, 'deadLetterTopic'));
    out.push({
      pubsubname,
      topic,
      metadata: stringMap(pick(o, 'metadata')),
      rules,
      deadLetterTopic: deadLetterTopic || undefined,
      bulkSubscribe:
        bulkRaw && typeof bulkRaw === 'object'
          ? {
              enabled: pick(bulkRaw, 'enabled') === true || pick(bulkRaw, 'enabled') === 'true',
              maxMessagesCount: Number(pick(bulkRaw, 'maxMessagesCount') ?? 100) || 100,
              maxAwaitDurationMs: Number(pick(bulkRaw, 'maxAwaitDurationMs') ?? 1000) || 1000,
            }
          : undefined,
      type: 'PROGRAMMATIC',
    });
  }
  return out;
}
