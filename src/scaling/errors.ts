import { OfnError } from '../errors.js';

export type ScalingErrorCode =
  /** A trigger type ofn-local has no probe for. */
  | 'ERR_SCALER_UNSUPPORTED'
  /** Trigger metadata missing or malformed (KEDA would refuse the ScaledObject too). */
  | 'ERR_SCALER_METADATA'
  /** The probe could not read the backlog (broker down, unknown topic, stream, group or consumer). */
  | 'ERR_PROBE';

export class ScalingError extends OfnError<ScalingErrorCode> {}
