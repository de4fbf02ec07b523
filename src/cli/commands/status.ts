import type { CliIo } from '../io.js';
import { requireDaemon } from '../find-daemon.js';

export async function statusCommand(opts: { json?: boolean; project?: string }, io: CliIo): Promise<number> {
  const client = await requireDaemon(io.cwd, opts.project);
  const s = await client.status();
  if (opts.json) {
    const functions = s.functions.map((f) => ({
      name: f.name,
      namespace: f.namespace,
      runtime: f.runtime,
      state: f.state,
      replicas: f.replicas,
      url: f.url,
      ...(f.daprAppId ? { dapr: { appId: f.daprAppId, components: f.daprComponents ?? [] } } : {}),
      ...(f.backlog ? { backlog: f.backlog } : {}),
    }));
    io.stdout.write(JSON.stringify({ functions, ...(s.deployments ? { deployments: s.deployments } : {}), ...(s.services ? { services: s.services } : {}), ...(s.events ? { events: s.events } : {}) }, null, 2) + '\n');
    return 0;
  }
  const rows = [['NAME', 'NAMESPACE', 'RUNTIME', 'STATE', 'REPLICAS', 'URL'], ...s.functions.map((f) => [f.name, f.namespace, f.runtime, f.state, String(f.replicas), f.url || '-'])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  io.stdout.write(`gateway ${s.gateway} (${s.runtime} runtime), project ${s.root}\n`);
  for (const r of rows) io.stdout.write(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n');
  for (const f of s.functions.filter((x) => x.daprAppId)) {
    const components = (f.daprComponents ?? []).map((c) => `${c.name} (${c.type})`).join(', ') || 'none';
    io.stdout.write(`${f.namespace}/${f.name}: Dapr app-id ${f.daprAppId}, components: ${components}\n`);
  }
  for (const f of s.functions.filter((x) => x.backlog)) {
    const b = f.backlog!;
    const value = b.value === null ? `unknown (${b.error ?? 'not read'})` : String(b.value);
    io.stdout.write(`${f.namespace}/${f.name}: backlog ${value} (${b.trigger}, threshold ${b.threshold}, polled every ${b.pollingInterval} s, to zero after ${b.cooldownPeriod} s without)\n`);
  }
  for (const d of s.deployments ?? []) {
    const dapr = d.daprAppId ? `, Dapr app-id ${d.daprAppId}` : '';
    io.stdout.write(`deployment ${d.namespace}/${d.name} (${d.image}): ${d.state}, ${d.replicas}/${d.desiredReplicas} replicas${dapr}${d.reason ? ` (${d.reason})` : ''}\n`);
  }
  for (const svc of s.services ?? []) {
    io.stdout.write(`backing service ${svc.name} (${svc.type}) at ${svc.address}: ${svc.state}${svc.restarts ? `, restarted ${svc.restarts}×` : ''}\n`);
  }
  for (const e of s.events ?? []) {
    io.stdout.write(`event source ${e.namespace}/${e.eventSource} ${e.kind}.${e.event}: ${e.state}${e.error ? ` (${e.error})` : ''}\n`);
  }
  return 0;
}
