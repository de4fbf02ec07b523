/**
 * What an app's answer to a pubsub delivery means (daprd's table):
 * 2xx with an empty or non-JSON body, or JSON without `status` or `status: ""` or
 * `"SUCCESS"`: SUCCESS; `"RETRY"`: RETRY; `"DROP"`: DROP; any other status text: RETRY
 * (matching is case-sensitive). 404: DROP. Any other status: RETRY.
 */
export type DeliveryOutcome = 'SUCCESS' | 'RETRY' | 'DROP';

export function deliveryOutcome(status: number, body: Buffer): { outcome: DeliveryOutcome; reason: string } {
  if (status >= 200 && status <= 299) {
    const text = body.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { outcome: 'SUCCESS', reason: 'non-JSON 2xx answer' };
    }
    const appStatus = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as { status?: unknown }).status : undefined;
    if (appStatus === undefined || appStatus === null || appStatus === '' || appStatus === 'SUCCESS') return { outcome: 'SUCCESS', reason: 'SUCCESS' };
    if (appStatus === 'RETRY') return { outcome: 'RETRY', reason: 'RETRY status returned from app' };
    if (appStatus === 'DROP') return { outcome: 'DROP', reason: 'DROP status returned from app' };
    return { outcome: 'RETRY', reason: `unknown status returned from app: ${JSON.stringify(appStatus)}` };
  }
  if (status === 404) return { outcome: 'DROP', reason: `non-retriable error returned from app: status 404 ${body.toString('utf8').slice(0, 200)}` };
  return { outcome: 'RETRY', reason: `retriable error returned from app: status ${status} ${body.toString('utf8').slice(0, 200)}` };
}

/** Per-entry outcomes of a bulk delivery answer `{statuses: [{entryId, status}]}`. */
export function bulkDeliveryOutcomes(status: number, body: Buffer, entryIds: readonly string[]): Map<string, DeliveryOutcome> {
  const out = new Map<string, DeliveryOutcome>();
  const all = (o: DeliveryOutcome): Map<string, DeliveryOutcome> => {
    for (const id of entryIds) out.set(id, o);
    return out;
  };
  if (status === 404) return all('DROP');
  if (status < 200 || status > 299) return all('RETRY');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return all('RETRY');
  }
  const statuses = (parsed as { statuses?: unknown } | null)?.statuses;
  if (!Array.isArray(statuses)) return all('RETRY');
  const given = new Map<string, unknown>();
  for (const s of statuses) if (s && typeof s === 'object') given.set(String((s as { entryId?: unknown }).entryId), (s as { status?: unknown }).status);
  for (const id of entryIds) {
    const s = given.get(id);
    out.set(id, s === 'SUCCESS' ? 'SUCCESS' : s === 'DROP' ? 'DROP' : 'RETRY');
  }
  return out;
}
