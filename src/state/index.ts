export * from './schema.js';
export * from './file.js';
export { StateStore } from './store.js';
export { stateAttemptLog } from './certificate-attempts.js';
export * from './file-records.js';
