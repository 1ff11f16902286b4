export { redact, type Command } from './command.js';
export * from './files.js';
export * from './swarm.js';
export * from './stack.js';
export * from './node.js';
export * from './preflight.js';
export * from './registry.js';
export * from './support.js';
export * from './secrets.js';
