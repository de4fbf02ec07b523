import { OfnError } from '../errors.js';

export class ServiceError extends OfnError<'ERR_SERVICE_START' | 'ERR_SERVICE_UNSUPPORTED' | 'ERR_SERVICE_MISSING'> {}
