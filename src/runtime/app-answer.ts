/**
 * Waits until a function's app answers on its port, as a Dapr sidecar means "answers": an HTTP app
 * gives any HTTP response; a gRPC app answers AppCallback's ListInputBindings (or says it does not
 * implement it). A port that merely accepts connections is not enough: a gRPC server can listen
 * before it serves.
 *
 * The runtimes order the real daprd (`--dapr daprd`) by this: daprd asks the app for its subscriptions
 * and input bindings once, right after the app's port opens, so an app that opens its port before it
 * serves would be left without its events. Beside an HTTP app daprd starts after the answer; beside a
 * gRPC app (which needs daprd's API to start serving) daprd is started again after it when it looked
 * too early. (ofn-local's own sidecar asks until answered and needs no wait.)
 */
import type { Logger } from '../shared/logger.js';
import { GrpcAppChannel } from '../sidecar/app-channel/grpc-app-channel.js';

export async function waitForAppAnswer(target: { host: string; port: number; protocol: 'http' | 'grpc'; appId: string; apiToken?: string }, signal: AbortSignal): Promise<void> {
  if (target.protocol === 'grpc') {
    const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, enabled: () => false, child: () => quiet } as unknown as Logger;
    const channel = new GrpcAppChannel({ address: target.host, port: target.port, protocol: 'http', appId: target.appId, apiToken: target.apiToken, maxConcurrency: -1, maxBodySize: 4 << 20, log: quiet });
    try {
      await channel.listInputBindings(signal);
    } finally {
      channel.close();
    }
    return;
  }
  for (;;) {
    signal.throwIfAborted();
    try {
      const res = await fetch(`http://${target.host}:${target.port}/`, { signal: AbortSignal.any([signal, AbortSignal.timeout(2000)]) });
      await res.arrayBuffer().catch(() => undefined);
      return;
    } catch {
      // not listening or not serving yet
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 50);
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
}
