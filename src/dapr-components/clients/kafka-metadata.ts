/** Connection and consumer metadata shared by bindings.kafka and pubsub.kafka (no client code here). */
import { z } from 'zod';

import { mdBool, mdDuration, mdEnum, mdInt, mdList } from '../metadata.js';

export const kafkaFields = {
  brokers: mdList().refine((l) => l.length > 0, 'brokers is required (a comma-separated list of host:port)'),
  consumerGroup: z.string().optional(),
  consumerID: z.string().optional(),
  clientID: z.string().optional(),
  authType: z.string().optional(),
  authRequired: mdBool(false),
  saslUsername: z.string().optional(),
  saslPassword: z.string().optional(),
  saslMechanism: z.string().optional(),
  initialOffset: mdEnum(['newest', 'oldest'], 'newest'),
  maxMessageBytes: mdInt(1024),
  consumeRetryInterval: mdDuration(100),
  heartbeatInterval: mdDuration(3000),
  sessionTimeout: mdDuration(10_000),
  disableTls: mdBool(false),
  skipVerify: mdBool(false),
  caCert: z.string().optional(),
  clientCert: z.string().optional(),
  clientKey: z.string().optional(),
  compression: mdEnum(['none', 'gzip', 'snappy', 'lz4', 'zstd'], 'none'),
  dialTimeout: mdDuration(30_000),
  version: z.string().optional(),
  excludeHeaderMetaRegex: z.string().optional(),
  escapeHeaders: mdBool(false),
};

export interface KafkaSettings {
  brokers: string[];
  clientID?: string;
  authType?: string;
  authRequired: boolean;
  saslUsername?: string;
  saslPassword?: string;
  saslMechanism?: string;
  disableTls: boolean;
  skipVerify: boolean;
  caCert?: string;
  clientCert?: string;
  clientKey?: string;
  dialTimeout: number;
  heartbeatInterval: number;
  sessionTimeout: number;
  initialOffset: 'newest' | 'oldest';
  consumeRetryInterval: number;
  compression: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  excludeHeaderMetaRegex?: string;
  escapeHeaders: boolean;
}

/** `authType` with the deprecated `authRequired` folded in; throws for types this sidecar lacks. */
export function effectiveAuthType(md: { authType?: string; authRequired: boolean }): 'none' | 'password' | 'mtls' {
  const t = (md.authType ?? (md.authRequired ? 'password' : 'none')).toLowerCase();
  if (t === 'none' || t === 'password' || t === 'mtls') return t;
  throw new Error(`authType ${md.authType} is not supported by ofn-local's sidecar (supported: none, password, mtls)`);
}
