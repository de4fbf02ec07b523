import { z } from 'zod';

import type { BindingPlugin } from '../../component.js';
import { bindingCommon, mdBool, mdDuration, metadataSchema, parseQuantity } from '../../metadata.js';

export const httpBindingMetadata = metadataSchema({
  ...bindingCommon,
  url: z.url({ error: 'metadata property url is required and must be a URL' }),
  responseTimeout: mdDuration(undefined),
  maxResponseBodySize: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return 100 * 1024 * 1024;
      const q = parseQuantity(v);
      if (q === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${v}" is not a size such as 100Mi` });
        return z.NEVER;
      }
      return q;
    }),
  errorIfNot2XX: mdBool(true),
  securityToken: z.string().optional(),
  securityTokenHeader: z.string().optional(),
});
export type HttpBindingMetadata = z.output<typeof httpBindingMetadata>;

export const HTTP_BINDING_PLUGIN: BindingPlugin<HttpBindingMetadata> = {
  block: 'bindings',
  input: false,
  output: true,
  metadata: httpBindingMetadata,
  create: async (md) =>
    new (await import('./binding.js')).HttpBinding({
      url: md.url,
      responseTimeoutMs: md.responseTimeout,
      maxResponseBodySize: md.maxResponseBodySize,
      errorIfNot2XX: md.errorIfNot2XX,
      securityToken: md.securityToken,
      securityTokenHeader: md.securityTokenHeader,
    }),
};
