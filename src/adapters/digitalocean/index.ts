export type * from './cloud-api.js';
export { BULK_CREATE_LIMIT, createCloudApi, DEFAULT_API_URL, type CloudApiOptions } from './dots-cloud-api.js';
export { DigitalOceanError, TOKEN_PAGE, type DigitalOceanErrorKind, type DigitalOceanRequest } from './digitalocean-error.js';
export { DEFAULT_RETRY, type RetryEvent, type RetryOptions } from './retry.js';
