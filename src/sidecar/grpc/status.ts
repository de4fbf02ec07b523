/**
 * gRPC statuses as daprd gives them. The shared building-block code throws SidecarErrors
 * carrying daprd's HTTP status and error code; here they become daprd's gRPC code (a table for
 * the codes whose gRPC code is not the HTTP status's usual one, e.g. an unknown state store is
 * InvalidArgument, no pubsub at all FailedPrecondition, an ETag mismatch Aborted), with the
 * message unchanged and a `google.rpc.Status` in `grpc-status-details-bin` holding an ErrorInfo
 * (reason, domain `dapr.io`), as daprd's errors carry.
 */
import * as grpc from '@grpc/grpc-js';

import { SidecarError } from '../errors.js';

const { status } = grpc;

/** Dapr error codes whose gRPC code daprd chooses independently of the HTTP status (pkg/api/errors, pkg/messages). */
const GRPC_CODE_BY_ERROR: Record<string, grpc.status> = {
  ERR_STATE_STORE_NOT_CONFIGURED: status.FAILED_PRECONDITION,
  ERR_STATE_STORE_NOT_SUPPORTED: status.UNIMPLEMENTED,
  ERR_NOT_SUPPORTED_STATE_OPERATION: status.UNIMPLEMENTED,
  ERR_PUBSUB_NOT_CONFIGURED: status.FAILED_PRECONDITION,
  ERR_PUBSUB_NOT_FOUND: status.INVALID_ARGUMENT,
  ERR_PUBSUB_EMPTY: status.INVALID_ARGUMENT,
  ERR_TOPIC_NAME_EMPTY: status.INVALID_ARGUMENT,
  ERR_PUBSUB_CLOUD_EVENTS_SER: status.INVALID_ARGUMENT,
  ERR_SECRET_STORE_NOT_FOUND: status.INVALID_ARGUMENT,
  ERR_SECRET_STORES_NOT_CONFIGURED: status.FAILED_PRECONDITION,
};

/** ErrorInfo reasons of daprd's rich errors (pkg/messages/errorcodes); other codes use the error code itself. */
const REASON_BY_ERROR: Record<string, string> = {
  ERR_STATE_STORE_NOT_FOUND: 'DAPR_STATE_NOT_FOUND',
  ERR_STATE_STORE_NOT_CONFIGURED: 'DAPR_STATE_NOT_CONFIGURED',
  ERR_STATE_STORE_NOT_SUPPORTED: 'DAPR_STATE_TRANSACTIONS_NOT_SUPPORTED',
  ERR_PUBSUB_EMPTY: 'DAPR_PUBSUB_NAME_EMPTY',
  ERR_PUBSUB_NOT_FOUND: 'DAPR_PUBSUB_NOT_FOUND',
  ERR_PUBSUB_NOT_CONFIGURED: 'DAPR_PUBSUB_NOT_CONFIGURED',
  ERR_TOPIC_NAME_EMPTY: 'DAPR_PUBSUB_TOPIC_NAME_EMPTY',
  ERR_PUBSUB_PUBLISH_MESSAGE: 'DAPR_PUBSUB_PUBLISH_MESSAGE',
  ERR_PUBSUB_REQUEST_METADATA: 'DAPR_PUBSUB_METADATA_DESERIALIZATION',
  ERR_PUBSUB_CLOUD_EVENTS_SER: 'DAPR_PUBSUB_CLOUD_EVENT_CREATION',
  ERR_PUBSUB_EVENTS_SER: 'DAPR_PUBSUB_MARSHAL_EVENTS',
};

/** The gRPC code daprd answers for an HTTP status when nothing more specific is known. */
export function grpcCodeForHttpStatus(httpStatus: number): grpc.status {
  switch (httpStatus) {
    case 400:
      return status.INVALID_ARGUMENT;
    case 401:
      return status.UNAUTHENTICATED;
    case 403:
      return status.PERMISSION_DENIED;
    case 404:
      return status.NOT_FOUND;
    case 409:
      return status.ABORTED;
    case 413:
      return status.RESOURCE_EXHAUSTED;
    case 501:
      return status.UNIMPLEMENTED;
    default:
      return status.INTERNAL;
  }
}

/** daprd's invokev1.CodeFromHTTPStatus: how an app's HTTP answer to InvokeService becomes a gRPC code. */
export function grpcCodeForAppStatus(httpStatus: number): grpc.status {
  if (httpStatus >= 200 && httpStatus < 300) return status.OK;
  const table: Record<number, grpc.status> = {
    408: status.CANCELLED,
    500: status.UNKNOWN,
    400: status.INTERNAL,
    504: status.DEADLINE_EXCEEDED,
    404: status.NOT_FOUND,
    409: status.ALREADY_EXISTS,
    403: status.PERMISSION_DENIED,
    401: status.UNAUTHENTICATED,
    429: status.RESOURCE_EXHAUSTED,
    501: status.UNIMPLEMENTED,
    503: status.UNAVAILABLE,
  };
  return table[httpStatus] ?? status.UNKNOWN;
}

/** A gRPC status to answer with as it is. */
export class GrpcStatusError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
    readonly errorInfo?: { reason: string; metadata?: Record<string, string> },
    readonly metadata?: grpc.Metadata,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------- google.rpc.Status, by hand

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

function field(no: number, bytes: Buffer): Buffer {
  return Buffer.concat([varint((no << 3) | 2), varint(bytes.length), bytes]);
}

function text(no: number, value: string): Buffer {
  return value === '' ? Buffer.alloc(0) : field(no, Buffer.from(value, 'utf8'));
}

/** google.rpc.Status{code, message, details: [Any(google.rpc.ErrorInfo{reason, domain, metadata})]}. */
export function statusDetails(code: grpc.status, message: string, reason: string, metadata: Record<string, string> = {}): Buffer {
  const errorInfo = Buffer.concat([
    text(1, reason),
    text(2, 'dapr.io'),
    ...Object.entries(metadata).map(([k, v]) => field(3, Buffer.concat([text(1, k), text(2, v)]))),
  ]);
  const any = Buffer.concat([text(1, 'type.googleapis.com/google.rpc.ErrorInfo'), field(2, errorInfo)]);
  return Buffer.concat([code === 0 ? Buffer.alloc(0) : Buffer.concat([varint(1 << 3), varint(code)]), text(2, message), field(3, any)]);
}

/** The status object grpc-js sends for `err`. */
export function toServiceError(err: unknown): Partial<grpc.StatusObject> & { code: grpc.status; details: string } {
  let code: grpc.status;
  let message: string;
  let reason: string;
  let infoMetadata: Record<string, string> | undefined;
  let metadata: grpc.Metadata;
  if (err instanceof GrpcStatusError) {
    code = err.code;
    message = err.message;
    reason = err.errorInfo?.reason ?? '';
    infoMetadata = err.errorInfo?.metadata;
    metadata = err.metadata ?? new grpc.Metadata();
  } else if (err instanceof SidecarError) {
    code = GRPC_CODE_BY_ERROR[err.code] ?? grpcCodeForHttpStatus(err.status);
    message = err.message;
    reason = REASON_BY_ERROR[err.code] ?? err.code;
    metadata = new grpc.Metadata();
  } else {
    code = status.INTERNAL;
    message = err instanceof Error ? err.message : String(err);
    reason = '';
    metadata = new grpc.Metadata();
  }
  if (reason) metadata.set('grpc-status-details-bin', statusDetails(code, message, reason, infoMetadata));
  return { code, details: message, metadata };
}
