export type * from './cloud-api.js';
export { BULK_CREATE_LIMIT, createCloudApi, type CloudApiOptions } from './dots-cloud-api.js';
export { DigitalOceanError, type DigitalOceanErrorKind, type DigitalOceanRequest } from './digitalocean-error.js';
export type { RetryEvent, RetryOptions } from './retry.js';
export { RequestAbandoned, type StopRequests } from './stop.js';
