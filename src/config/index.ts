export * from './schema.js';
export * from './errors.js';
export * from './parse.js';
export * from './file.js';
export * from './example.js';
export { checkDomainName } from './domain-name.js';
export { showValue } from './show-value.js';
