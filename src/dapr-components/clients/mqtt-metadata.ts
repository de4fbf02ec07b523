/** Metadata shared by bindings.mqtt3 and pubsub.mqtt3 (no client code here). */
import { z } from 'zod';

import { mdBool } from '../metadata.js';

export const mqttTlsFields = {
  caCert: z.string().optional(),
  clientCert: z.string().optional(),
  clientKey: z.string().optional(),
};

export const cleanSessionField = { cleanSession: mdBool(false), retain: mdBool(false) };
