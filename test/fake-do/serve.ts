/**
 * Runs the fake DigitalOcean API as its own process, for tests that drive a real swarm-wiz process
 * (and SIGINT it) and then inspect what the "cloud" holds.
 *
 *   npx tsx test/fake-do/serve.ts [--token T] [--active-after-ms N] [--domain a.com]... [--port N]
 *
 * Prints one JSON line `{"url": ..., "token": ..., "conformance": ...}` once listening. Inspect it with
 * `GET <url>/__fake/state`, `/__fake/requests`, `/__fake/violations`; arm faults with
 * `POST <url>/__fake/faults` (a FaultRule as JSON); change droplet prices with `POST <url>/__fake/sizes`
 * (`{"s-1vcpu-2gb": 14}`). Stops on SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import { startFakeDigitalOcean } from './fake-server.js';

const { values } = parseArgs({
  options: {
    token: { type: 'string' },
    'active-after-ms': { type: 'string' },
    domain: { type: 'string', multiple: true },
    port: { type: 'string' },
  },
});

const fake = await startFakeDigitalOcean({
  token: values.token,
  activeAfterMs: values['active-after-ms'] === undefined ? undefined : Number(values['active-after-ms']),
  domains: values.domain,
  port: values.port === undefined ? undefined : Number(values.port),
});
process.stdout.write(`${JSON.stringify({ url: fake.url, token: fake.token, conformance: fake.conformance.enabled })}\n`);

const shutdown = (): void => {
  void fake.stop().then(() => process.exit(fake.violations.length ? 1 : 0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
