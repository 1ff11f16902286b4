export { startFakeDigitalOcean, DEFAULT_FAKE_TOKEN } from './fake-server.js';
export type { FakeDigitalOcean, FakeDigitalOceanOptions, RecordedRequest, Violation } from './fake-server.js';
export type { FaultRule } from './faults.js';
export type { FakeState, ApiDroplet, ApiDomainRecord, ApiFirewall, ApiLoadBalancer, ApiVpc, ApiSshKey } from './state.js';
