import type { ApiDroplet, FakeMachines, FakeState } from '../state.js';
import { notFound, nowIso, paginate, unprocessable, type Route, type RouteContext } from './route.js';
import { FAKE_REGIONS, FAKE_SIZES, sizeObject } from './sizes.js';

const SIZES = FAKE_SIZES;
const REGIONS = FAKE_REGIONS;
const DROPLET_NAME = /^[a-zA-Z0-9.-]{1,255}$/;

export const KNOWN_SIZES = Object.keys(SIZES);
export const KNOWN_REGIONS = REGIONS;

let addressCounter = 0;
function nextOctets(): [number, number] {
  addressCounter += 1;
  return [Math.floor(addressCounter / 250) % 250, (addressCounter % 250) + 2];
}

function privateAddressIn(state: FakeState, vpcUuid: string | undefined): { ip: string; netmask: string; gateway: string } {
  const vpc = state.vpcs.find((candidate) => candidate.id === vpcUuid);
  const base = (vpc?.ip_range ?? '10.110.0.0/20').split('/')[0]!.split('.').map(Number);
  const [high, low] = nextOctets();
  return { ip: `${base[0]}.${base[1]}.${(base[2] ?? 0) + (high % 16)}.${low}`, netmask: '255.255.240.0', gateway: '' };
}

function newDroplet(context: RouteContext, name: string): ApiDroplet {
  const { body, state } = context;
  const vpcUuid: string | undefined = body.vpc_uuid ?? state.vpcs.find((vpc) => vpc.region === body.region && vpc.default)?.id;
  return {
    id: state.nextId(),
    name,
    memory: SIZES[body.size]!.memory,
    vcpus: SIZES[body.size]!.vcpus,
    disk: SIZES[body.size]!.disk,
    locked: false,
    status: 'new',
    created_at: nowIso(),
    features: ['droplet_agent', 'private_networking'],
    backup_ids: [],
    next_backup_window: null,
    snapshot_ids: [],
    image: { id: 191457505, name: '24.04 (LTS) x64', distribution: 'Ubuntu', slug: body.image, public: true, regions: REGIONS, type: 'base', created_at: '2025-04-24T19:23:24Z', min_disk_size: 7, size_gigabytes: 2.36, status: 'available' },
    volume_ids: [],
    size: sizeObject(state, body.size, [body.region]),
    size_slug: body.size,
    networks: { v4: [], v6: [] },
    region: { name: body.region, slug: body.region, features: ['private_networking', 'backups', 'ipv6', 'metadata'], available: true, sizes: KNOWN_SIZES },
    tags: [...(body.tags ?? [])],
    ...(vpcUuid ? { vpc_uuid: vpcUuid } : {}),
    ...(body.user_data ? { user_data: body.user_data } : {}),
    ssh_key_ids: [...(body.ssh_keys ?? [])],
  };
}

function activate(state: FakeState, droplet: ApiDroplet): void {
  const [high, low] = nextOctets();
  const privateAddress = privateAddressIn(state, droplet.vpc_uuid);
  droplet.networks.v4 = [
    { ip_address: privateAddress.ip, netmask: privateAddress.netmask, gateway: privateAddress.gateway, type: 'private' },
    { ip_address: `203.0.${113 + (high % 3)}.${low}`, netmask: '255.255.240.0', gateway: '203.0.113.1', type: 'public' },
  ];
  droplet.status = 'active';
}

/** With real machines: the droplet becomes active once one runs it, with that machine's addresses. */
function bootOn(machines: FakeMachines, state: FakeState, droplet: ApiDroplet): void {
  const keys = droplet.ssh_key_ids.map((id) => state.sshKeys.find((key) => key.id === id || key.fingerprint === id)?.public_key).filter((key): key is string => key !== undefined);
  machines.boot(droplet, keys).then(
    ({ publicIp, privateIp }) => {
      if (!state.droplets.includes(droplet)) return machines.release(droplet);
      droplet.networks.v4 = [
        { ip_address: privateIp, netmask: '255.255.240.0', gateway: '', type: 'private' },
        { ip_address: publicIp, netmask: '255.255.255.0', gateway: '203.0.113.1', type: 'public' },
      ];
      droplet.status = 'active';
    },
    (error: unknown) => {
      // Like a droplet that never comes up: it stays `new`, and the reason is in the sandbox's log.
      process.stderr.write(`fake DigitalOcean: droplet ${droplet.name} did not boot: ${(error as Error).message}\n`);
    },
  );
}

/** What the API answers with: the stored droplet without the fake's bookkeeping fields. */
export function dropletJson(droplet: ApiDroplet): Record<string, unknown> {
  const { user_data: _userData, ssh_key_ids: _sshKeyIds, ...json } = droplet;
  return json;
}

function validateCreate(context: RouteContext, names: string[]): string | undefined {
  const { body, state } = context;
  if (names.length > 10) return 'You can only create up to 10 droplets at a time.';
  const badName = names.find((name) => !DROPLET_NAME.test(name));
  if (badName !== undefined) return `Name "${badName}" is invalid: only letters, digits, dots and dashes.`;
  if (!SIZES[body.size]) return `Size "${body.size}" is not available (the fake knows ${KNOWN_SIZES.join(', ')}).`;
  if (!REGIONS.includes(body.region)) return `Region "${body.region}" is not available.`;
  if (body.vpc_uuid && !state.vpcs.some((vpc) => vpc.id === body.vpc_uuid && vpc.region === body.region)) return 'The VPC must be in the same region as the droplet.';
  const unknownKey = (body.ssh_keys ?? []).find((key: number | string) => !state.sshKeys.some((known) => known.id === key || known.fingerprint === key));
  if (unknownKey !== undefined) return `SSH key ${unknownKey} does not exist.`;
  if (state.droplets.length + names.length > state.account.droplet_limit) return `creating this/these droplet(s) will exceed your droplet limit`;
  return undefined;
}

export const dropletRoutes: Route[] = [
  {
    method: 'GET',
    template: '/v2/droplets',
    operationId: 'droplets_list',
    handle: (context) => {
      const tag = context.query.get('tag_name');
      const name = context.query.get('name');
      const droplets = context.state.droplets.filter((droplet) => (tag === null || droplet.tags.includes(tag)) && (name === null || droplet.name === name));
      return paginate(context, 'droplets', droplets.map(dropletJson));
    },
  },
  {
    method: 'POST',
    template: '/v2/droplets',
    operationId: 'droplets_create',
    handle: (context) => {
      const { body, state } = context;
      const names: string[] = body.names ?? [body.name];
      const problem = validateCreate(context, names);
      if (problem) return unprocessable(problem);
      const created = names.map((name) => newDroplet(context, name));
      for (const tag of body.tags ?? []) if (!state.tags.includes(tag)) state.tags.push(tag);
      for (const droplet of created) {
        state.droplets.push(droplet);
        context.becomeActiveLater(() => {
          if (!state.droplets.includes(droplet)) return;
          if (context.machines) bootOn(context.machines, state, droplet);
          else activate(state, droplet);
        }, droplet.name);
      }
      const actions = created.map((droplet) => ({ id: droplet.id + 7_000_000, rel: 'create', href: `${context.baseUrl}/v2/actions/${droplet.id + 7_000_000}` }));
      if (body.names) return { status: 202, body: { droplets: created.map(dropletJson), links: { actions } } };
      return { status: 202, body: { droplet: dropletJson(created[0]!), links: { actions } } };
    },
  },
  {
    method: 'DELETE',
    template: '/v2/droplets',
    operationId: 'droplets_destroy_byTag',
    handle: ({ query, state, machines }) => {
      const tag = query.get('tag_name') ?? '';
      if (!state.tags.includes(tag)) return notFound();
      for (const droplet of state.droplets.filter((candidate) => candidate.tags.includes(tag))) machines?.release(droplet);
      state.droplets = state.droplets.filter((droplet) => !droplet.tags.includes(tag));
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    template: '/v2/droplets/{droplet_id}',
    operationId: 'droplets_get',
    handle: ({ params, state }) => {
      const droplet = state.droplets.find((candidate) => candidate.id === Number(params.droplet_id));
      return droplet ? { status: 200, body: { droplet: dropletJson(droplet) } } : notFound();
    },
  },
  {
    method: 'DELETE',
    template: '/v2/droplets/{droplet_id}',
    operationId: 'droplets_destroy',
    handle: ({ params, state, machines }) => {
      const gone = state.droplets.find((candidate) => candidate.id === Number(params.droplet_id));
      if (!gone) return notFound();
      machines?.release(gone);
      state.droplets = state.droplets.filter((candidate) => candidate !== gone);
      return { status: 204 };
    },
  },
];

