// Deep imports on purpose: the package index also loads dots' streaming and inference modules,
// which we do not use and whose TypeScript sources do not compile under our strict settings.
import { createDigitalOceanClient } from '@digitalocean/dots/src/dots/digitalOceanClient.js';
import { DigitalOceanApiKeyAuthenticationProvider } from '@digitalocean/dots/src/dots/DigitalOceanApiKeyAuthenticationProvider.js';
import type {
  Droplet_multi_create,
  Firewall as DotsFirewallBody,
  Firewall_rules_inbound_rules,
  Firewall_rules_outbound_rules,
  Page_links,
  Tags_resource,
} from '@digitalocean/dots/src/dots/models/index.js';
import { createLoad_balancersPostResponseFromDiscriminatorValue, type Load_balancersPostResponse } from '@digitalocean/dots/src/dots/v2/load_balancers/index.js';
import { createWithLb_PutResponseFromDiscriminatorValue, type WithLb_PutResponse } from '@digitalocean/dots/src/dots/v2/load_balancers/item/index.js';
import type { RequestInformation } from '@microsoft/kiota-abstractions';
import { FetchRequestAdapter, HttpClient, ParametersNameDecodingHandler } from '@microsoft/kiota-http-fetchlibrary';
import { createApiFetch } from './api-fetch.js';
import type { CloudApi, CreateDropletsRequest, Droplet, FirewallRule, FirewallSpec, LoadBalancerSpec } from './cloud-api.js';
import { DigitalOceanError } from './digitalocean-error.js';
import { DEFAULT_RETRY, withRetries, type RetryEvent, type RetryOptions, type RetrySafety } from './retry.js';
import { afterGrace, type StopRequests } from './stop.js';
import { toDomainRecord, toDroplet, toFirewall, toLoadBalancer, toSize, toSshKey, toVpc } from './to-domain.js';

export const DEFAULT_API_URL = 'https://api.digitalocean.com';
const PER_PAGE = 200;
/** DigitalOcean creates at most ten droplets per request. */
export const BULK_CREATE_LIMIT = 10;

export interface CloudApiOptions {
  token: string;
  /** Default: `DIGITALOCEAN_API_URL`, else https://api.digitalocean.com. */
  baseUrl?: string;
  /** Per HTTP request (default 30 s). */
  timeoutMs?: number;
  /** Called before each retry, e.g. to show "rate-limited, retrying in 2 s". */
  onRetry?: (event: RetryEvent) => void;
  /** Attempts and backoff (defaults: 5 attempts, 1 s doubling to 30 s, Retry-After up to 120 s). */
  retry?: Partial<RetryOptions>;
  /**
   * The run's stop (Ctrl-C, SIGTERM): requests in flight get a grace (1 s) to be answered, then are
   * abandoned with RequestAbandoned (reported to `onAbandoned`), and nothing more is sent or waited for.
   */
  stop?: StopRequests;
}

/**
 * The CloudApi over the official @digitalocean/dots client. dots' Kiota pipeline runs without its
 * own RetryHandler (so each call's retry policy is ours: what is safe to repeat differs per call)
 * and over `createApiFetch`, which adds the timeout and classifies failures.
 */
export function createCloudApi(options: CloudApiOptions): CloudApi {
  if (!options.token) {
    throw new DigitalOceanError('unauthorized', { method: '-', path: '-' }, undefined, 'no DigitalOcean API token was given');
  }
  const cut = options.stop ? afterGrace(options.stop) : undefined;
  const apiFetch = createApiFetch({ timeoutMs: options.timeoutMs ?? 30_000, token: options.token, ...(options.stop && cut ? { stop: options.stop, cut } : {}) });
  const httpClient = new HttpClient(apiFetch, new ParametersNameDecodingHandler());
  const adapter = new FetchRequestAdapter(new DigitalOceanApiKeyAuthenticationProvider(options.token), undefined, undefined, httpClient);
  adapter.baseUrl = (options.baseUrl ?? process.env.DIGITALOCEAN_API_URL ?? DEFAULT_API_URL).replace(/\/+$/, '');
  const client = createDigitalOceanClient(adapter);
  const retry: RetryOptions = { ...DEFAULT_RETRY, ...options.retry };

  const call = <T>(attempt: () => Promise<T>, safety: RetrySafety<T> = { idempotent: true }): Promise<T> => withRetries(attempt, safety, retry, options.onRetry, cut);

  /** Every page of a list (per_page 200), each page retried on its own. */
  const listAll = async <T>(fetchPage: (page: number) => Promise<{ items: T[] | null | undefined; links: Page_links | null | undefined } | undefined>): Promise<T[]> => {
    const all: T[] = [];
    for (let page = 1; ; page += 1) {
      const result = await call(() => fetchPage(page));
      all.push(...(result?.items ?? []));
      if (!hasNextPage(result?.links)) return all;
    }
  };

  /**
   * A create that, after a failure that may have taken effect, asks `findExisting` before sending
   * again, so a retry never makes a second one.
   */
  const createOnce = async <T>(what: string, create: () => Promise<T | undefined>, findExisting: () => Promise<T | undefined>): Promise<T> => {
    const created = await call(create, { recover: findExisting });
    if (!created) throw new Error(`DigitalOcean answered the ${what} creation without the ${what}`);
    return created;
  };

  /** A delete whose repeat after a lost answer may find the thing already gone: that counts as done. */
  const deleteIdempotently = async (remove: () => Promise<unknown>): Promise<void> => {
    let attempts = 0;
    await call(async () => {
      attempts += 1;
      try {
        await remove();
      } catch (error) {
        if (attempts > 1 && error instanceof DigitalOceanError && error.kind === 'not-found') return;
        throw error;
      }
    });
  };

  const listDroplets = (filter: { tagName: string } | { name: string }): Promise<Droplet[]> =>
    listAll(async (page) => {
      const response = await client.v2.droplets.get({ queryParameters: { ...filter, page, perPage: PER_PAGE } });
      return { items: response?.droplets?.map(toDroplet), links: response?.links };
    });
  const listDropletsByTag = (tag: string): Promise<Droplet[]> => listDroplets({ tagName: tag });

  const api: CloudApi = {
    async verifyToken() {
      const response = await call(() => client.v2.account.get());
      return { email: response?.account?.email ?? '', dropletLimit: response?.account?.dropletLimit ?? 0 };
    },

    listSshKeys: () =>
      listAll(async (page) => {
        const response = await client.v2.account.keys.get({ queryParameters: { page, perPage: PER_PAGE } });
        return { items: response?.sshKeys?.map(toSshKey), links: response?.links };
      }),

    createSshKey: (name, publicKey) =>
      createOnce(
        'SSH key',
        () => client.v2.account.keys.post({ name, publicKey }).then((r) => (r?.sshKey ? toSshKey(r.sshKey) : undefined)),
        async () => (await api.listSshKeys()).find((key) => key.publicKey.trim() === publicKey.trim()),
      ),

    deleteSshKey: (id) => deleteIdempotently(() => client.v2.account.keys.bySsh_key_identifier(id).delete()),

    async createTag(name) {
      // Creating an existing tag succeeds at DigitalOcean, so this is safe to repeat.
      await call(() => client.v2.tags.post({ name }));
    },

    // Adding a tag a droplet has, or removing one it lacks, changes nothing: both are safe to repeat.
    async tagDroplets(tag, dropletIds) {
      if (dropletIds.length === 0) return;
      await call(() => client.v2.tags.byTag_id(tag).resources.post(dropletResources(dropletIds)));
    },

    async untagDroplets(tag, dropletIds) {
      if (dropletIds.length === 0) return;
      await call(() => client.v2.tags.byTag_id(tag).resources.delete(dropletResources(dropletIds)));
    },

    async createDroplets(request: CreateDropletsRequest) {
      return createDropletsSafely(request, {
        create: async (names) => {
          const body: Droplet_multi_create = {
            names,
            region: request.region,
            size: request.size,
            image: request.image,
            tags: request.tags,
            // dots types ssh_keys as string[] (the spec allows ids or fingerprints); ids go out as JSON numbers, like godo sends them.
            sshKeys: request.sshKeyIds as unknown as string[],
            ...(request.userData !== undefined ? { userData: request.userData } : {}),
            ...(request.vpcUuid !== undefined ? { vpcUuid: request.vpcUuid } : {}),
          };
          const response = await client.v2.droplets.post(body);
          return ((response as { droplets?: Parameters<typeof toDroplet>[0][] } | undefined)?.droplets ?? []).map(toDroplet);
        },
        findCreated: async (names) => {
          const candidates = request.tags.length > 0 ? await listDropletsByTag(request.tags[0]!) : (await Promise.all(names.map((name) => listDroplets({ name })))).flat();
          return candidates.filter((droplet) => names.includes(droplet.name) && request.tags.every((tag) => droplet.tags.includes(tag)));
        },
        call,
      });
    },

    listDropletsByTag,

    deleteDroplet: (id) => deleteIdempotently(() => client.v2.droplets.byDroplet_id(id).delete()),

    listVpcs: () =>
      listAll(async (page) => {
        const response = await client.v2.vpcs.get({ queryParameters: { page, perPage: PER_PAGE } });
        return { items: response?.vpcs?.map(toVpc), links: response?.links };
      }),

    // VPC names are unique per account: after a lost answer, a VPC with this name is ours.
    createVpc: (spec) =>
      createOnce(
        'VPC',
        () => client.v2.vpcs.post({ name: spec.name, region: spec.region, ...(spec.ipRange ? { ipRange: spec.ipRange } : {}) }).then((r) => (r?.vpc ? toVpc(r.vpc) : undefined)),
        async () => (await api.listVpcs()).find((vpc) => vpc.name === spec.name),
      ),

    deleteVpc: (id) => deleteIdempotently(() => client.v2.vpcs.byVpc_id(id).delete()),

    listFirewalls: () =>
      listAll(async (page) => {
        const response = await client.v2.firewalls.get({ queryParameters: { page, perPage: PER_PAGE } });
        return { items: response?.firewalls?.map(toFirewall), links: response?.links };
      }),

    createFirewall: (spec) =>
      createOnce(
        'firewall',
        () => client.v2.firewalls.post(toFirewallBody(spec)).then((r) => (r?.firewall ? toFirewall(r.firewall) : undefined)),
        async () => (await api.listFirewalls()).find((firewall) => firewall.name === spec.name),
      ),

    async updateFirewall(id, spec) {
      const updated = await call(() => client.v2.firewalls.byFirewall_id(id).put(toFirewallBody(spec)));
      if (!updated?.firewall) throw new Error('DigitalOcean answered the firewall update without the firewall');
      return toFirewall(updated.firewall);
    },

    deleteFirewall: (id) => deleteIdempotently(() => client.v2.firewalls.byFirewall_id(id).delete()),

    listLoadBalancers: () =>
      listAll(async (page) => {
        const response = await client.v2.load_balancers.get({ queryParameters: { page, perPage: PER_PAGE } });
        return { items: response?.loadBalancers?.map(toLoadBalancer), links: response?.links };
      }),

    createLoadBalancer: (spec) =>
      createOnce(
        'load balancer',
        async () => {
          const requestInfo = withJsonBody(client.v2.load_balancers.toPostRequestInformation(null as never), toLoadBalancerBody(spec));
          const response = await adapter.send<Load_balancersPostResponse>(requestInfo, createLoad_balancersPostResponseFromDiscriminatorValue, undefined);
          return response?.loadBalancer ? toLoadBalancer(response.loadBalancer) : undefined;
        },
        async () => (await api.listLoadBalancers()).find((loadBalancer) => loadBalancer.name === spec.name),
      ),

    async updateLoadBalancer(id, spec) {
      const updated = await call(() =>
        adapter.send<WithLb_PutResponse>(withJsonBody(client.v2.load_balancers.byLb_id(id).toPutRequestInformation(null as never), toLoadBalancerBody(spec)), createWithLb_PutResponseFromDiscriminatorValue, undefined),
      );
      if (!updated?.loadBalancer) throw new Error('DigitalOcean answered the load balancer update without the load balancer');
      return toLoadBalancer(updated.loadBalancer);
    },

    deleteLoadBalancer: (id) => deleteIdempotently(() => client.v2.load_balancers.byLb_id(id).delete()),

    listSizes: () =>
      listAll(async (page) => {
        const response = await client.v2.sizes.get({ queryParameters: { page, perPage: PER_PAGE } });
        return { items: response?.sizes?.map(toSize), links: response?.links };
      }),

    async listDomains() {
      const domains = await listAll(async (page) => {
        const response = await client.v2.domains.get({ queryParameters: { page, perPage: PER_PAGE } });
        return { items: response?.domains, links: response?.links };
      });
      return domains.map((domain) => domain.name ?? '').filter((name) => name !== '');
    },

    listDomainRecords: (domain) =>
      listAll(async (page) => {
        const response = await client.v2.domains.byDomain_name(domain).records.get({ queryParameters: { page, perPage: PER_PAGE } });
        return { items: response?.domainRecords?.map(toDomainRecord), links: response?.links };
      }),

    createDomainRecord: (domain, record) =>
      createOnce(
        'record',
        () =>
          client.v2.domains
            .byDomain_name(domain)
            .records.post({ type: record.type, name: record.name, data: record.data, ...(record.ttl !== undefined ? { ttl: record.ttl } : {}) })
            .then((r) => (r?.domainRecord ? toDomainRecord(r.domainRecord) : undefined)),
        async () => (await api.listDomainRecords(domain)).find((existing) => existing.type === record.type && existing.name === record.name && existing.data === record.data),
      ),

    deleteDomainRecord: (domain, id) => deleteIdempotently(() => client.v2.domains.byDomain_name(domain).records.byDomain_record_id(id).delete()),
  };
  return api;
}

/**
 * dots 1.19 reads `links.pages` (the spec's anyOf forward/backward links) always as backward links,
 * so `next` lands in `additionalData`; look in both places.
 */
function hasNextPage(links: Page_links | null | undefined): boolean {
  const pages = links?.pages as { next?: string | null; additionalData?: Record<string, unknown> } | null | undefined;
  return Boolean(pages?.next ?? pages?.additionalData?.next);
}

/**
 * One bulk create per call (larger sets go in batches of BULK_CREATE_LIMIT). After a failure that
 * may have taken effect, the droplets are looked up by tag and name before anything is sent again,
 * so a retry never creates a duplicate.
 */
async function createDropletsSafely(
  request: CreateDropletsRequest,
  io: {
    create: (names: string[]) => Promise<Droplet[]>;
    findCreated: (names: string[]) => Promise<Droplet[]>;
    call: <T>(attempt: () => Promise<T>, safety: RetrySafety<T>) => Promise<T>;
  },
): Promise<Droplet[]> {
  const created: Droplet[] = [];
  for (let start = 0; start < request.names.length; start += BULK_CREATE_LIMIT) {
    const batch = request.names.slice(start, start + BULK_CREATE_LIMIT);
    let pending = batch;
    const batchCreated: Droplet[] = [];
    const result = await io.call(() => io.create(pending), {
      recover: async () => {
        const found = await io.findCreated(pending);
        batchCreated.push(...found);
        pending = pending.filter((name) => !found.some((droplet) => droplet.name === name));
        return pending.length === 0 ? [] : undefined;
      },
    });
    created.push(...batchCreated, ...result);
  }
  return created;
}

/** The API takes resource ids as strings, whatever the resource type. */
function dropletResources(dropletIds: number[]): Tags_resource {
  return { resources: dropletIds.map((id) => ({ resourceId: String(id), resourceType: 'droplet' })) };
}

function toRuleTarget(rule: FirewallRule): { addresses?: string[]; tags?: string[]; loadBalancerUids?: string[] } {
  return {
    ...(rule.addresses ? { addresses: rule.addresses } : {}),
    ...(rule.tags ? { tags: rule.tags } : {}),
    ...(rule.loadBalancerUids ? { loadBalancerUids: rule.loadBalancerUids } : {}),
  };
}

function toFirewallBody(spec: FirewallSpec): DotsFirewallBody {
  return {
    name: spec.name,
    tags: spec.tags,
    inboundRules: spec.inbound.map((rule): Firewall_rules_inbound_rules => ({ protocol: rule.protocol, ports: rule.ports, sources: toRuleTarget(rule) })),
    outboundRules: spec.outbound.map((rule): Firewall_rules_outbound_rules => ({ protocol: rule.protocol, ports: rule.ports, destinations: toRuleTarget(rule) })),
  };
}

/**
 * dots 1.19 types load balancer bodies as UntypedNode and writes them with `setContentFromScalar`,
 * which cannot write an object, so the request would go out without a body. The request is built
 * by dots (URL template, auth, pipeline, response model); only its JSON body is set here, in the
 * API's own snake_case.
 */
function withJsonBody(requestInfo: RequestInformation, body: unknown): RequestInformation {
  requestInfo.setStreamContent(new TextEncoder().encode(JSON.stringify(body)).buffer as ArrayBuffer, 'application/json');
  return requestInfo;
}

function toLoadBalancerBody(spec: LoadBalancerSpec): Record<string, unknown> {
  return {
    name: spec.name,
    region: spec.region,
    tag: spec.tag,
    ...(spec.vpcUuid ? { vpc_uuid: spec.vpcUuid } : {}),
    forwarding_rules: spec.forwarding.map((rule) => ({
      entry_protocol: rule.entryProtocol,
      entry_port: rule.entryPort,
      target_protocol: rule.targetProtocol,
      target_port: rule.targetPort,
      ...(rule.tlsPassthrough ? { tls_passthrough: true } : {}),
    })),
    health_check: { protocol: spec.healthCheck.protocol, port: spec.healthCheck.port, ...(spec.healthCheck.path ? { path: spec.healthCheck.path } : {}) },
  };
}
