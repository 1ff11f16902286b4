import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCloudApi, DigitalOceanError, type CloudApi, type FirewallSpec, type LoadBalancerSpec } from '../../../src/adapters/digitalocean/index.js';
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../../fake-do/index.js';

const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl swarm-wiz@test';

let fake: FakeDigitalOcean;
let api: CloudApi;

const waitUntil = async (check: () => Promise<boolean>): Promise<void> => {
  for (let tries = 0; tries < 100; tries += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition not reached');
};

beforeEach(async () => {
  fake = await startFakeDigitalOcean({ activeAfterMs: 20, domains: ['a.com', 'b.com'] });
  api = createCloudApi({ token: fake.token, baseUrl: fake.url, timeoutMs: 5000 });
});

afterEach(async () => {
  await fake.stop();
  // Every request the adapter sent, and every answer the fake gave, conformed to DigitalOcean's spec.
  fake.assertNoViolations();
});

describe('CloudApi over @digitalocean/dots against the fake DigitalOcean API', () => {
  it('verifies the token through /v2/account', async () => {
    expect(await api.verifyToken()).toEqual({ email: 'owner@example.com', dropletLimit: 25 });
    expect(fake.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['GET /v2/account']);
  });

  it('creates and lists SSH keys', async () => {
    const key = await api.createSshKey('swarm-wiz-demo', PUBLIC_KEY);
    expect(key).toMatchObject({ name: 'swarm-wiz-demo', publicKey: PUBLIC_KEY, fingerprint: expect.stringMatching(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/) });
    expect(await api.listSshKeys()).toEqual([key]);
    await api.deleteSshKey(key.id);
    expect(fake.state.sshKeys).toEqual([]);
  });

  it('creates tags idempotently', async () => {
    await api.createTag('swarm-wiz-demo');
    await api.createTag('swarm-wiz-demo');
    expect(fake.state.tags).toEqual(['swarm-wiz-demo']);
  });

  it('creates droplets in one bulk request, lists them by tag until active with both IPs, deletes them', async () => {
    const key = await api.createSshKey('k', PUBLIC_KEY);
    const vpc = await api.createVpc({ name: 'demo-vpc', region: 'fra1', ipRange: '10.20.0.0/20' });
    const created = await api.createDroplets({
      names: ['demo-manager-1', 'demo-worker-1', 'demo-worker-2'],
      region: 'fra1',
      size: 's-1vcpu-2gb',
      image: 'ubuntu-24-04-x64',
      tags: ['swarm-wiz-demo', 'swarm-wiz-demo-worker'],
      userData: '#cloud-config\npackages: [docker.io]\n',
      vpcUuid: vpc.id,
      sshKeyIds: [key.id],
    });
    expect(created.map((droplet) => [droplet.name, droplet.status])).toEqual([
      ['demo-manager-1', 'new'],
      ['demo-worker-1', 'new'],
      ['demo-worker-2', 'new'],
    ]);
    expect(fake.requests.filter((request) => request.method === 'POST' && request.path === '/v2/droplets')).toHaveLength(1);
    expect(fake.state.droplets.map((droplet) => [droplet.user_data, droplet.ssh_key_ids, droplet.vpc_uuid])).toEqual(Array(3).fill(['#cloud-config\npackages: [docker.io]\n', [key.id], vpc.id]));

    await waitUntil(async () => (await api.listDropletsByTag('swarm-wiz-demo')).every((droplet) => droplet.status === 'active'));
    const listed = await api.listDropletsByTag('swarm-wiz-demo');
    for (const droplet of listed) {
      expect(droplet).toMatchObject({ region: 'fra1', size: 's-1vcpu-2gb', vpcUuid: vpc.id, tags: ['swarm-wiz-demo', 'swarm-wiz-demo-worker'] });
      expect(droplet.publicIpv4).toMatch(/^203\.0\.11[3-5]\.\d+$/);
      expect(droplet.privateIpv4).toMatch(/^10\.20\.\d+\.\d+$/);
    }
    expect(await api.listDropletsByTag('other-project')).toEqual([]);

    for (const droplet of listed) await api.deleteDroplet(droplet.id);
    expect(fake.state.droplets).toEqual([]);
    await api.deleteVpc(vpc.id);
    expect(fake.state.vpcs).toEqual([]);
  });

  it('moves a tag between droplets: tagDroplets / untagDroplets through /v2/tags/{tag}/resources, ids sent as strings', async () => {
    const [manager, worker1, worker2] = await api.createDroplets({ names: ['demo-manager-1', 'demo-worker-1', 'demo-worker-2'], region: 'fra1', size: 's-1vcpu-2gb', image: 'ubuntu-24-04-x64', tags: ['swarm-wiz-demo'], sshKeyIds: [] });
    await api.createTag('swarm-wiz-demo-edge');
    await api.tagDroplets('swarm-wiz-demo-edge', [manager!.id]);
    expect((await api.listDropletsByTag('swarm-wiz-demo-edge')).map((droplet) => droplet.name)).toEqual(['demo-manager-1']);

    fake.requests.length = 0;
    await api.tagDroplets('swarm-wiz-demo-edge', [worker1!.id, worker2!.id]);
    await api.untagDroplets('swarm-wiz-demo-edge', [manager!.id]);
    expect(fake.requests.map((request) => [request.method, request.path, request.body, request.status])).toEqual([
      ['POST', '/v2/tags/swarm-wiz-demo-edge/resources', { resources: [{ resource_id: String(worker1!.id), resource_type: 'droplet' }, { resource_id: String(worker2!.id), resource_type: 'droplet' }] }, 204],
      ['DELETE', '/v2/tags/swarm-wiz-demo-edge/resources', { resources: [{ resource_id: String(manager!.id), resource_type: 'droplet' }] }, 204],
    ]);
    const listed = await api.listDropletsByTag('swarm-wiz-demo');
    expect(listed.map((droplet) => [droplet.name, droplet.tags])).toEqual([
      ['demo-manager-1', ['swarm-wiz-demo']],
      ['demo-worker-1', ['swarm-wiz-demo', 'swarm-wiz-demo-edge']],
      ['demo-worker-2', ['swarm-wiz-demo', 'swarm-wiz-demo-edge']],
    ]);

    // Repeating either changes nothing; an empty list sends nothing.
    await api.tagDroplets('swarm-wiz-demo-edge', [worker1!.id]);
    await api.untagDroplets('swarm-wiz-demo-edge', [manager!.id]);
    fake.requests.length = 0;
    await api.tagDroplets('swarm-wiz-demo-edge', []);
    await api.untagDroplets('swarm-wiz-demo-edge', []);
    expect(fake.requests).toEqual([]);
    expect(fake.state.droplets.map((droplet) => droplet.tags.length)).toEqual([1, 2, 2]);
  });

  it('tagging with a tag that does not exist is a not-found error (the API does not create it here)', async () => {
    const [droplet] = await api.createDroplets({ names: ['demo-1'], region: 'fra1', size: 's-1vcpu-2gb', image: 'ubuntu-24-04-x64', tags: [], sshKeyIds: [] });
    for (const attempt of [api.tagDroplets('never-created', [droplet!.id]), api.untagDroplets('never-created', [droplet!.id])]) {
      const error = await attempt.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DigitalOceanError);
      expect(error).toMatchObject({ kind: 'not-found', status: 404, request: { path: '/v2/tags/never-created/resources' } });
    }
    expect(fake.state.droplets[0]!.tags).toEqual([]);
  });

  it('splits more than ten names into bulk requests of ten (the API limit)', async () => {
    fake.state.account.droplet_limit = 50;
    const names = Array.from({ length: 12 }, (_, index) => `node-${index}`);
    const created = await api.createDroplets({ names, region: 'ams3', size: 's-1vcpu-1gb', image: 'ubuntu-24-04-x64', tags: ['big'], sshKeyIds: [] });
    expect(created.map((droplet) => droplet.name)).toEqual(names);
    expect(fake.requests.filter((request) => request.method === 'POST').map((request) => (request.body as { names: string[] }).names.length)).toEqual([10, 2]);
  });

  it('follows pagination across pages for droplets (205) and domain records (230)', async () => {
    fake.state.account.droplet_limit = 300;
    const names = Array.from({ length: 205 }, (_, index) => `node-${index}`);
    await api.createDroplets({ names, region: 'nyc3', size: 's-1vcpu-1gb', image: 'ubuntu-24-04-x64', tags: ['many'], sshKeyIds: [] });
    const listed = await api.listDropletsByTag('many');
    expect(listed.map((droplet) => droplet.name)).toEqual(names);
    expect(fake.requests.filter((request) => request.method === 'GET').map((request) => request.query)).toEqual(['?page=1&per_page=200&tag_name=many', '?page=2&per_page=200&tag_name=many']);

    for (let index = 0; index < 226; index += 1) await api.createDomainRecord('b.com', { type: 'A', name: `host-${index}`, data: '192.0.2.10', ttl: 60 });
    const records = await api.listDomainRecords('b.com');
    expect(records).toHaveLength(230); // 4 records (NS, SOA) come with the domain
    expect(new Set(records.map((record) => record.id)).size).toBe(230);
  });

  it('creates, lists, updates and deletes a firewall', async () => {
    await api.createTag('swarm-wiz-demo');
    const spec: FirewallSpec = {
      name: 'swarm-wiz-demo',
      tags: ['swarm-wiz-demo'],
      inbound: [
        { protocol: 'tcp', ports: '22', addresses: ['0.0.0.0/0', '::/0'] },
        { protocol: 'tcp', ports: '2377', tags: ['swarm-wiz-demo'] },
      ],
      outbound: [{ protocol: 'tcp', ports: 'all', addresses: ['0.0.0.0/0', '::/0'] }],
    };
    const firewall = await api.createFirewall(spec);
    expect(firewall).toEqual({ id: expect.any(String), ...spec });
    expect(fake.state.firewalls[0]!.inbound_rules[1]!.sources).toEqual({ tags: ['swarm-wiz-demo'] });
    expect(await api.listFirewalls()).toEqual([firewall]);
    const fromLoadBalancer = { protocol: 'tcp' as const, ports: '443', loadBalancerUids: ['4de7ac8b-495b-4884-9a69-1050c6793cd6'] };
    const updated = await api.updateFirewall(firewall.id, { ...spec, inbound: [...spec.inbound, fromLoadBalancer] });
    expect(updated.inbound).toEqual([...spec.inbound, fromLoadBalancer]);
    expect(fake.state.firewalls[0]!.inbound_rules[2]!.sources).toEqual({ load_balancer_uids: ['4de7ac8b-495b-4884-9a69-1050c6793cd6'] });
    await api.deleteFirewall(firewall.id);
    expect(fake.state.firewalls).toEqual([]);
  });

  it('creates a load balancer by tag, sees it become active with an IP, updates and deletes it', async () => {
    const vpc = await api.createVpc({ name: 'lb-vpc', region: 'fra1' });
    expect(await api.listVpcs()).toEqual([vpc]);
    const spec: LoadBalancerSpec = {
      name: 'swarm-wiz-demo',
      region: 'fra1',
      vpcUuid: vpc.id,
      tag: 'swarm-wiz-demo-worker',
      forwarding: [
        { entryProtocol: 'tcp', entryPort: 443, targetProtocol: 'tcp', targetPort: 443 },
        { entryProtocol: 'tcp', entryPort: 80, targetProtocol: 'tcp', targetPort: 80 },
      ],
      healthCheck: { protocol: 'http', port: 80, path: '/healthz' },
    };
    const created = await api.createLoadBalancer(spec);
    expect(created).toMatchObject({ ...spec, status: 'new' });
    await waitUntil(async () => (await api.listLoadBalancers())[0]?.status === 'active');
    const [active] = await api.listLoadBalancers();
    expect(active!.ip).toMatch(/^198\.51\.100\.\d+$/);
    const updated = await api.updateLoadBalancer(created.id, { ...spec, healthCheck: { protocol: 'tcp', port: 443 } });
    expect(updated.healthCheck).toEqual({ protocol: 'tcp', port: 443 });
    await api.deleteLoadBalancer(created.id);
    expect(fake.state.loadBalancers).toEqual([]);
  });

  it('lists domains and creates, lists and deletes TXT and A records (ACME dns-01)', async () => {
    expect(await api.listDomains()).toEqual(['a.com', 'b.com']);
    const txt = await api.createDomainRecord('a.com', { type: 'TXT', name: '_acme-challenge', data: 'gfj9Xq...Rg85nM', ttl: 30 });
    const a = await api.createDomainRecord('a.com', { type: 'A', name: '@', data: '203.0.113.7', ttl: 300 });
    expect(txt).toEqual({ id: expect.any(Number), type: 'TXT', name: '_acme-challenge', data: 'gfj9Xq...Rg85nM', ttl: 30 });
    expect(a).toEqual({ id: expect.any(Number), type: 'A', name: '@', data: '203.0.113.7', ttl: 300 });
    const records = await api.listDomainRecords('a.com');
    expect(records.filter((record) => record.type === 'TXT' || record.type === 'A')).toEqual([txt, a]);
    await api.deleteDomainRecord('a.com', txt.id);
    expect((await api.listDomainRecords('a.com')).map((record) => record.id)).not.toContain(txt.id);
  });

  it('takes the base URL from DIGITALOCEAN_API_URL when none is given', async () => {
    const previous = process.env.DIGITALOCEAN_API_URL;
    process.env.DIGITALOCEAN_API_URL = fake.url;
    try {
      const fromEnv = createCloudApi({ token: fake.token });
      expect((await fromEnv.verifyToken()).email).toBe('owner@example.com');
    } finally {
      if (previous === undefined) delete process.env.DIGITALOCEAN_API_URL;
      else process.env.DIGITALOCEAN_API_URL = previous;
    }
  });
});
