import type { ApiDomainRecord, FakeState } from '../state.js';
import { notFound, paginate, unprocessable, type Route } from './route.js';

const RECORD_TYPES = new Set(['A', 'AAAA', 'CAA', 'CNAME', 'MX', 'NS', 'SOA', 'SRV', 'TXT']);

/** Adds a domain the way the API does: with its NS and SOA records. */
export function addDomain(state: FakeState, name: string, ipAddress?: string): void {
  state.domains.push({ name, ttl: 1800, zone_file: `$ORIGIN ${name}.\n$TTL 1800\n` });
  const records: ApiDomainRecord[] = ['ns1', 'ns2', 'ns3'].map((ns) => record(state, { type: 'NS', name: '@', data: `${ns}.digitalocean.com`, ttl: 1800 }));
  records.push(record(state, { type: 'SOA', name: '@', data: '1800', ttl: 1800 }));
  if (ipAddress) records.push(record(state, { type: 'A', name: '@', data: ipAddress, ttl: 1800 }));
  state.domainRecords.set(name, records);
}

function record(state: FakeState, fields: { type: string; name: string; data: string; ttl: number }): ApiDomainRecord {
  return { id: state.nextId(), priority: null, port: null, weight: null, flags: null, tag: null, ...fields };
}

export const domainRoutes: Route[] = [
  {
    method: 'GET',
    template: '/v2/domains',
    operationId: 'domains_list',
    handle: (context) => paginate(context, 'domains', context.state.domains),
  },
  {
    method: 'POST',
    template: '/v2/domains',
    operationId: 'domains_create',
    handle: ({ body, state }) => {
      if (state.domains.some((domain) => domain.name === body.name)) return unprocessable(`${body.name} already exists`);
      addDomain(state, body.name, body.ip_address);
      return { status: 201, body: { domain: state.domains.at(-1) } };
    },
  },
  {
    method: 'GET',
    template: '/v2/domains/{domain_name}',
    operationId: 'domains_get',
    handle: ({ params, state }) => {
      const domain = state.domains.find((candidate) => candidate.name === params.domain_name);
      return domain ? { status: 200, body: { domain } } : notFound();
    },
  },
  {
    method: 'DELETE',
    template: '/v2/domains/{domain_name}',
    operationId: 'domains_delete',
    handle: ({ params, state }) => {
      if (!state.domains.some((domain) => domain.name === params.domain_name)) return notFound();
      state.domains = state.domains.filter((domain) => domain.name !== params.domain_name);
      state.domainRecords.delete(params.domain_name!);
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    template: '/v2/domains/{domain_name}/records',
    operationId: 'domains_list_records',
    handle: (context) => {
      const records = context.state.domainRecords.get(context.params.domain_name!);
      if (!records) return notFound();
      // The API's `name` filter takes the fully qualified name.
      const name = context.query.get('name');
      const type = context.query.get('type');
      const domain = context.params.domain_name!;
      const fqdn = (record: ApiDomainRecord): string => (record.name === '@' ? domain : `${record.name}.${domain}`);
      return paginate(context, 'domain_records', records.filter((record) => (name === null || fqdn(record) === name) && (type === null || record.type === type)));
    },
  },
  {
    method: 'POST',
    template: '/v2/domains/{domain_name}/records',
    operationId: 'domains_create_record',
    handle: ({ body, params, state }) => {
      const records = state.domainRecords.get(params.domain_name!);
      if (!records) return notFound();
      if (!RECORD_TYPES.has(body.type) || body.type === 'SOA') return unprocessable(`Record type ${body.type} is not supported`);
      if (body.type === 'A' && !/^(\d{1,3}\.){3}\d{1,3}$/.test(body.data)) return unprocessable('Data needs to be an IPv4 address.');
      const created: ApiDomainRecord = { ...record(state, { type: body.type, name: body.name, data: body.data, ttl: body.ttl ?? 1800 }), priority: body.priority ?? null, port: body.port ?? null, weight: body.weight ?? null, flags: body.flags ?? null, tag: body.tag ?? null };
      records.push(created);
      return { status: 201, body: { domain_record: created } };
    },
  },
  {
    method: 'GET',
    template: '/v2/domains/{domain_name}/records/{domain_record_id}',
    operationId: 'domains_get_record',
    handle: ({ params, state }) => {
      const found = state.domainRecords.get(params.domain_name!)?.find((candidate) => candidate.id === Number(params.domain_record_id));
      return found ? { status: 200, body: { domain_record: found } } : notFound();
    },
  },
  {
    method: 'DELETE',
    template: '/v2/domains/{domain_name}/records/{domain_record_id}',
    operationId: 'domains_delete_record',
    handle: ({ params, state }) => {
      const records = state.domainRecords.get(params.domain_name!);
      const index = records?.findIndex((candidate) => candidate.id === Number(params.domain_record_id)) ?? -1;
      if (!records || index < 0) return notFound();
      records.splice(index, 1);
      return { status: 204 };
    },
  },
];
