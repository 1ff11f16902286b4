// The wizard offers the profiles the chosen CA lists in its directory (read when it asks).
export { readCaProfiles } from '../adapters/acme/directory.js';
