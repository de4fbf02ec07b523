/** Connection metadata shared by state.redis, pubsub.redis and bindings.redis (no client code here). */
import { z } from 'zod';

import { mdBool, mdDuration, mdEnum, mdInt } from '../metadata.js';

export const redisConnectionFields = {
  redisHost: z.string({ error: 'redisHost is required' }),
  redisPassword: z.string().optional(),
  redisUsername: z.string().optional(),
  redisDB: mdInt(0),
  redisType: mdEnum(['node', 'cluster'], 'node'),
  enableTLS: mdBool(false),
  insecureSkipTLSVerify: mdBool(false),
  failover: mdBool(false),
  sentinelMasterName: z.string().optional(),
  sentinelUsername: z.string().optional(),
  sentinelPassword: z.string().optional(),
  redisMaxRetries: mdInt(3),
  redisMinRetryInterval: mdDuration(8),
  redisMaxRetryInterval: mdDuration(512),
  dialTimeout: mdDuration(5000),
  readTimeout: mdDuration(3000),
  writeTimeout: mdDuration(undefined),
  poolSize: mdInt(undefined),
};

export interface RedisSettings {
  redisHost: string;
  redisPassword?: string;
  redisUsername?: string;
  redisDB: number;
  redisType: 'node' | 'cluster';
  enableTLS: boolean;
  insecureSkipTLSVerify: boolean;
  failover: boolean;
  sentinelMasterName?: string;
  sentinelUsername?: string;
  sentinelPassword?: string;
  redisMaxRetries: number;
  redisMinRetryInterval: number;
  redisMaxRetryInterval: number;
  dialTimeout: number;
  readTimeout: number;
}

