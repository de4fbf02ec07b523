/**
 * The Dapr gRPC API (`dapr.proto.runtime.v1.Dapr`) on `--dapr-grpc-port`, served with
 * @grpc/grpc-js over the messages @dapr/dapr ships (the same descriptors its gRPC client uses).
 * What the HTTP API does is implemented here too, over the same ApiContext (handlers.ts); every
 * other method answers UNIMPLEMENTED naming it. With DAPR_API_TOKEN set every call must carry
 * metadata `dapr-api-token` with that value, else UNAUTHENTICATED as in daprd (the token is
 * removed from the metadata handlers see). It listens where the HTTP API does
 * (`--dapr-listen-addresses`, every interface without it).
 *
 * Note: the google-protobuf stubs of @dapr/dapr 3.x (dapr_grpc_pb.js with state_pb.js etc.) cannot
 * be used as a server: their common.v1 module is the protobuf-es one, so StateItem, Etag and
 * InvokeResponse have no google-protobuf classes and (de)serialising SaveStateRequest or
 * InvokeResponse throws. The protobuf-es descriptors (dapr_pb.js) are complete and are what the
 * SDK's client encodes with.
 */
import * as grpc from '@grpc/grpc-js';
import { fromBinary, toBinary, create, type DescMessage, type DescMethod } from '@bufbuild/protobuf';
import { Dapr } from '@dapr/dapr/proto/dapr/proto/runtime/v1/dapr_pb.js';

import { SidecarError } from '../errors.js';
import type { ApiContext } from '../http/api-context.js';
import type { Logger } from '../logger.js';
import * as h from './handlers.js';
import { GrpcStatusError, toServiceError } from './status.js';

const SERVICE = 'dapr.proto.runtime.v1.Dapr';

/**
 * Unary methods of dapr/dapr's current dapr.proto (present in @dapr/dapr's dapr_grpc_pb.js) that its
 * protobuf-es descriptors predate. BulkPublishEvent is implemented (same messages as the alpha); the
 * others answer UNIMPLEMENTED.
 */
const NEWER_UNARY = ['BulkPublishEvent', 'UnregisterActorRemindersByType', 'ListActorReminders', 'GetActorReminder', 'DeleteJobsByPrefixAlpha1', 'ListJobsAlpha1'];

type Handler = (ctx: ApiContext, req: never, call: h.CallInfo) => Promise<unknown> | unknown;

/** Implemented methods: name → handler returning the response's init shape (undefined: empty response). */
const IMPLEMENTED: Record<string, Handler> = {
  GetState: h.getStateCall,
  GetBulkState: h.getBulkStateCall,
  SaveState: h.saveStateCall,
  DeleteState: h.deleteStateCall,
  DeleteBulkState: h.deleteBulkStateCall,
  ExecuteStateTransaction: h.executeStateTransactionCall,
  PublishEvent: h.publishEventCall,
  BulkPublishEventAlpha1: h.bulkPublishCall,
  BulkPublishEvent: h.bulkPublishCall,
  InvokeBinding: h.invokeBindingCall,
  GetSecret: h.getSecretCall,
  GetBulkSecret: h.getBulkSecretCall,
  GetMetadata: (ctx) => h.getMetadataCall(ctx),
  SetMetadata: h.setMetadataCall,
  InvokeService: h.invokeServiceCall,
};

export interface GrpcApiOptions {
  log: Logger;
  /** DAPR_API_TOKEN, when set. */
  apiToken?: string;
  /** Called after Shutdown has been answered. */
  onShutdown: () => void;
}

export interface GrpcApi {
  readonly port: number;
  close(): Promise<void>;
}

/** daprd's token check (pkg/api/grpc/auth.go): UNAUTHENTICATED "Unauthorized" with the reason in an ErrorInfo. */
function checkToken(md: grpc.Metadata, token: string): void {
  const given = md.get('dapr-api-token');
  const detail = given.length === 0 ? 'missing api token in request metadata' : given[0] !== token ? 'authentication error: api token mismatch' : undefined;
  if (detail) throw new GrpcStatusError(grpc.status.UNAUTHENTICATED, 'Unauthorized', { reason: 'Unauthorized', metadata: { 'http.code': '401', 'http.error_message': detail } });
  md.remove('dapr-api-token');
}

function unimplemented(name: string): GrpcStatusError {
  return new GrpcStatusError(grpc.status.UNIMPLEMENTED, `method ${name} is not implemented by ofn-local's sidecar (use the real daprd: ofn-local --dapr daprd)`);
}

interface MethodShape {
  name: string;
  localName: string;
  requestStream: boolean;
  responseStream: boolean;
  input?: DescMessage;
  output?: DescMessage;
}

function methods(): MethodShape[] {
  const list: MethodShape[] = Dapr.methods.map((m: DescMethod) => ({
    name: m.name,
    localName: m.localName,
    requestStream: m.methodKind === 'client_streaming' || m.methodKind === 'bidi_streaming',
    responseStream: m.methodKind === 'server_streaming' || m.methodKind === 'bidi_streaming',
    input: m.input,
    output: m.output,
  }));
  const alpha = list.find((m) => m.name === 'BulkPublishEventAlpha1');
  for (const name of NEWER_UNARY) {
    if (list.some((m) => m.name === name)) continue;
    const shape: MethodShape = { name, localName: name[0]!.toLowerCase() + name.slice(1), requestStream: false, responseStream: false };
    if (name === 'BulkPublishEvent' && alpha) Object.assign(shape, { input: alpha.input, output: alpha.output });
    list.push(shape);
  }
  return list;
}

function definition(list: MethodShape[]): grpc.ServiceDefinition {
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const raw = (b: Buffer): Buffer => b;
  for (const m of list) {
    const decoded = IMPLEMENTED[m.name] && m.input && m.output;
    def[m.localName] = {
      path: `/${SERVICE}/${m.name}`,
      requestStream: m.requestStream,
      responseStream: m.responseStream,
      originalName: m.localName,
      requestSerialize: raw,
      requestDeserialize: decoded ? (b: Buffer) => fromBinary(m.input!, b) : raw,
      responseSerialize: decoded ? (v: unknown) => Buffer.from(toBinary(m.output!, v as never)) : raw,
      responseDeserialize: raw,
    } as grpc.MethodDefinition<unknown, unknown>;
  }
  return def;
}

function implementation(ctx: ApiContext, list: MethodShape[], opts: GrpcApiOptions): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  const { log, apiToken } = opts;
  for (const m of list) {
    const handler = m.input && m.output ? IMPLEMENTED[m.name] : undefined;
    if (m.requestStream || m.responseStream) {
      impl[m.localName] = (call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>) => {
        try {
          if (apiToken) checkToken(call.metadata, apiToken);
          throw unimplemented(m.name);
        } catch (err) {
          call.emit('error', toServiceError(err));
        }
      };
      continue;
    }
    const output = m.output;
    const shutdown = m.name === 'Shutdown';
    impl[m.localName] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      // The clock is read only when API logging wants the duration.
      const started = ctx.flags.enableApiLogging ? process.hrtime.bigint() : 0n;
      const done = (code: grpc.status): void => {
        if (!ctx.flags.enableApiLogging) return;
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        log.info(`gRPC API Called: method=/${SERVICE}/${m.name} code=${grpc.status[code]} duration=${ms.toFixed(2)}ms useragent=${JSON.stringify(String(call.metadata.get('user-agent')[0] ?? ''))}`);
      };
      const fail = (err: unknown): void => {
        const status = toServiceError(err);
        if (!(err instanceof SidecarError) && !(err instanceof GrpcStatusError)) log.error(`gRPC ${m.name} failed: ${status.details}`);
        else log.debug(`gRPC ${m.name}: ${grpc.status[status.code]} ${status.details}`);
        done(status.code);
        callback(status, null);
      };
      const answer = (init: unknown): void => {
        done(grpc.status.OK);
        callback(null, create(output!, (init ?? {}) as never));
        if (shutdown) setImmediate(opts.onShutdown);
      };
      let result: unknown;
      try {
        if (apiToken) checkToken(call.metadata, apiToken);
        if (!handler) throw unimplemented(m.name);
        result = handler(ctx, call.request as never, { metadata: call.metadata, sendHeaders: (md) => call.sendMetadata(md) });
      } catch (err) {
        fail(err);
        return;
      }
      // A synchronous handler (metadata) answers in the same turn; the others when their promise settles.
      if (result instanceof Promise) result.then(answer, fail);
      else answer(result);
    };
  }
  return impl;
}

/** Shutdown answers Empty, then the sidecar shuts down (as POST /v1.0/shutdown). */
IMPLEMENTED.Shutdown = () => undefined;

function bind(server: grpc.Server, address: string, credentials: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync(address, credentials, (err, port) => (err ? reject(err) : resolve(port))));
}

/**
 * Starts the gRPC API on `port` (0: any free port) at each of `hosts` (every interface when
 * empty); resolves once it listens. A port in use is ERR_SIDECAR_LISTEN, as for the HTTP API.
 */
export async function startGrpcApi(ctx: ApiContext, port: number, hosts: string[], opts: GrpcApiOptions): Promise<GrpcApi> {
  const list = methods();
  const server = new grpc.Server({
    'grpc.max_receive_message_length': ctx.flags.maxBodySize,
    'grpc.max_send_message_length': ctx.flags.maxBodySize,
    // Channelz (on by default in grpc-js) counts every call and session for an admin service that is
    // never registered here: per-call work and memory for nothing.
    'grpc.enable_channelz': 0,
  });
  server.addService(definition(list), implementation(ctx, list, opts));
  const credentials = grpc.ServerCredentials.createInsecure();
  let bound = port;
  try {
    for (const host of hosts.length ? hosts : ['::']) {
      const h = host.replace(/^\[(.*)\]$/, '$1');
      bound = await bind(server, `${h.includes(':') ? `[${h}]` : h}:${bound}`, credentials);
    }
  } catch (err) {
    server.forceShutdown();
    const message = (err as Error).message;
    throw new SidecarError(
      'ERR_SIDECAR_LISTEN',
      /EADDRINUSE|address already in use/i.test(message) ? `port ${port} (--dapr-grpc-port) is already in use` : `cannot listen on port ${port} (--dapr-grpc-port): ${message}`,
      { where: { port }, cause: err, hint: 'pick another --dapr-grpc-port, or stop what uses it' },
    );
  }
  let closing: Promise<void> | undefined;
  return {
    port: bound,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        // Calls in flight may finish (Shutdown's own answer among them); then everything is cut.
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        timer.unref();
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return closing;
    },
  };
}
