import type { ConfigInput } from './schema.js';

/**
 * The seed's own example: three public web apps A, B, C on a.com, b.com, c.com, each with two
 * private services (A1, A2, …), the proxy on the manager as the seed's author chose.
 * `swarm-wiz apply --example` renders it plan-only; tests render it in every topology.
 */
export const SEED_EXAMPLE: ConfigInput = {
  project: 'demo',
  region: 'fra1',
  size: 's-1vcpu-2gb',
  managers: 1,
  workers: 3,
  topology: 'manager',
  sites: (['a', 'b', 'c'] as const).map((letter) => ({
    domain: `${letter}.com`,
    service: { name: `service-${letter}`, image: `ghcr.io/me/${letter}:1.0`, port: 5000 },
    private: [
      { name: `${letter}1`, image: `ghcr.io/me/${letter}1:1.0`, port: 6000 },
      { name: `${letter}2`, image: `ghcr.io/me/${letter}2:1.0`, port: 6001 },
    ],
  })),
  certificates: { email: 'ops@a.com', ca: 'staging', challenge: 'http-01', delivery: 'files' },
};
