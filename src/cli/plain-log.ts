import type { JournalEntry } from '../protocol/journal.js';

/**
 * A journal entry as one plain timestamped line (CI, no TTY, `up` in the foreground), or undefined
 * for entries too chatty to print by default.
 */
export function plainLine(e: JournalEntry, verbose = false): string | undefined {
  const t = e.ts.slice(11, 23);
  const line = describe(e, verbose);
  return line === undefined ? undefined : `${t} ${line}`;
}

function describe(e: JournalEntry, verbose: boolean): string | undefined {
  switch (e.type) {
    case 'project.loaded':
      return `loaded ${e.functions.length} function(s) from ${e.root}${e.warnings.map((w) => `\n  warning: ${w}`).join('')}`;
    case 'build.started':
      return `${e.fn} building`;
    case 'build.phase':
      return `${e.fn} buildpacks: ${e.phase} (${e.builder})`;
    case 'build.log':
      return verbose ? `${e.fn} | ${e.line}` : undefined;
    case 'build.finished':
      return `${e.fn} built${e.cached ? ' (cached)' : ''} in ${(e.durationMs / 1000).toFixed(1)}s${e.image ? ` → ${e.image}` : ''}`;
    case 'build.failed':
      return `${e.fn} BUILD FAILED: ${e.message}`;
    case 'instance.starting':
      return verbose ? `${e.fn} starting ${e.instance}${e.cold ? ' (cold)' : ''}` : undefined;
    case 'instance.ready':
      return `${e.fn} ${e.instance} ready in ${e.durationMs} ms${e.cold ? ' (cold start)' : ''}`;
    case 'instance.log':
      return `${e.fn} [${e.instance}] ${e.line}`;
    case 'instance.suspended':
      return `${e.fn} ${e.instance} ${e.mode === 'pause' ? 'paused' : 'stopped'} (scaled to zero)`;
    case 'instance.removed':
      return verbose ? `${e.fn} ${e.instance} removed` : undefined;
    case 'instance.failed':
      return `${e.fn} ${e.instance} FAILED: ${e.message}`;
    case 'function.scaled':
      return `${e.fn} scaled ${e.from} → ${e.to} (${e.reason})`;
    case 'function.state':
      return verbose ? `${e.fn} ${e.state}${e.reason ? `: ${e.reason}` : ''}` : undefined;
    case 'request.completed':
      return `${e.fn} ${e.method} ${e.path} ${e.status} ${e.durationMs} ms${e.cold ? ' cold' : ''}`;
    case 'reload.started':
      return `${e.fn} reloading (${e.path} path): ${e.cause.join(', ')}`;
    case 'reload.finished':
      return `${e.fn} reloaded (${e.path} path) in ${e.timings.totalMs} ms`;
    case 'reload.failed':
      return `${e.fn} RELOAD FAILED (${e.path} path), still serving the last good version: ${e.file ? `${e.file}${e.line ? `:${e.line}` : ''}: ` : ''}${e.message}`;
    case 'event.hop':
      // Every hop with -v; without it only what went wrong.
      if (!verbose && e.status !== 'failed' && e.stage !== 'dead-letter') return undefined;
      return `event ${e.id.slice(0, 8)} ${e.namespace}/${e.eventSource}.${e.event} ${e.stage} ${e.target} ${e.status.toUpperCase()}${e.attempt ? ` (attempt ${e.attempt})` : ''} ${e.latencyMs} ms${e.message ? `: ${e.message}` : ''}`;
    case 'output.sent':
      return `${e.fn} sent ${e.size} bytes to ${e.kind === 'topic' ? `topic ${e.target} of ${e.component}` : `binding ${e.component} (${e.target})`}`;
    case 'service.started':
      return `backing service ${e.name} (${e.serviceType}) listening at ${e.address}`;
    case 'function.added':
      return `${e.fn} added`;
    case 'function.removed':
      return `${e.fn} removed`;
    case 'daemon.ready':
      return `ready: gateway ${e.gateway} (${e.runtime} runtime)`;
    case 'daemon.stopping':
      return 'stopping';
    case 'daemon.error':
      return `${e.source} ERROR ${e.message}${e.hint ? ` (${e.hint})` : ''}`;
  }
}
