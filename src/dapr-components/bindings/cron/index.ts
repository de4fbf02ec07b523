import { z } from 'zod';

import type { BindingPlugin } from '../../component.js';
import { bindingCommon, metadataSchema } from '../../metadata.js';
import { CronBinding } from './binding.js';
import { parseCronSchedule, type CronSchedule } from '../../../shared/go-compat/cron.js';

export const cronMetadata = metadataSchema({
  ...bindingCommon,
  schedule: z.string({ error: 'schedule not set' }).transform((text, ctx): CronSchedule => {
    try {
      return parseCronSchedule(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `invalid schedule format '${text}': ${(err as Error).message}` });
      return z.NEVER;
    }
  }),
});
export type CronMetadata = z.output<typeof cronMetadata>;

export const CRON_BINDING_PLUGIN: BindingPlugin<CronMetadata> = {
  block: 'bindings',
  input: true,
  output: false,
  metadata: cronMetadata,
  create: (md, ctx) => new CronBinding(ctx.name, md.schedule, ctx.log),
};
