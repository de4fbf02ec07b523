import { z } from 'zod';

import type { PubSubPlugin } from '../../component.js';
import { mdBool, mdDuration, mdEnum, mdInt, mdList, metadataSchema } from '../../metadata.js';
import { parseGoDuration } from '../../../shared/go-compat/duration.js';

export const jetStreamMetadata = metadataSchema({
  natsURL: z.string({ error: 'missing nats URL' }),
  jwt: z.string().optional(),
  seedKey: z.string().optional(),
  token: z.string().optional(),
  tls_client_cert: z.string().optional(),
  tls_client_key: z.string().optional(),
  name: z.string().optional(),
  streamName: z.string().optional(),
  durableName: z.string().optional(),
  queueGroupName: z.string().optional(),
  startSequence: mdInt(undefined),
  startTime: mdInt(undefined),
  flowControl: mdBool(false),
  ackWait: mdDuration(undefined),
  maxDeliver: mdInt(undefined),
  backOff: mdList(),
  maxAckPending: mdInt(undefined),
  replicas: mdInt(undefined),
  memoryStorage: mdBool(false),
  rateLimit: mdInt(undefined),
  heartbeat: mdDuration(undefined),
  deliverPolicy: mdEnum(['all', 'last', 'new', 'sequence', 'time'], 'all'),
  ackPolicy: mdEnum(['explicit', 'all', 'none'], 'explicit'),
  domain: z.string().optional(),
  apiPrefix: z.string().optional(),
  concurrency: mdEnum(['single', 'parallel'], 'single'),
});
export type JetStreamMetadata = z.output<typeof jetStreamMetadata>;

export const JETSTREAM_PUBSUB_PLUGIN: PubSubPlugin<JetStreamMetadata> = {
  block: 'pubsub',
  metadata: jetStreamMetadata.superRefine((md, ctx) => {
    if (md.jwt && !md.seedKey) ctx.addIssue({ code: 'custom', message: 'missing seed key', path: ['seedKey'] });
    if (!md.jwt && md.seedKey) ctx.addIssue({ code: 'custom', message: 'missing jwt', path: ['jwt'] });
    if (md.tls_client_cert && !md.tls_client_key) ctx.addIssue({ code: 'custom', message: 'missing tls client key', path: ['tls_client_key'] });
    if (!md.tls_client_cert && md.tls_client_key) ctx.addIssue({ code: 'custom', message: 'missing tls client cert', path: ['tls_client_cert'] });
    for (const d of md.backOff) if (parseGoDuration(d, 'ms') === undefined) ctx.addIssue({ code: 'custom', message: `"${d}" is not a duration`, path: ['backOff'] });
  }),
  create: async (md, ctx) =>
    new (await import('./pubsub.js')).JetStreamPubSub(
      {
        ...md,
        name: md.name ?? 'dapr.io - pubsub.jetstream',
        tlsClientCert: md.tls_client_cert,
        tlsClientKey: md.tls_client_key,
        ackWaitMs: md.ackWait,
        heartbeatMs: md.heartbeat,
        backOffMs: md.backOff.map((d) => parseGoDuration(d, 'ms') ?? 0),
      },
      ctx.log,
    ),
};
