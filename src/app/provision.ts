import { createCloudApi, RequestAbandoned, type CloudApi, type RetryOptions, type StopRequests } from '../adapters/digitalocean/index.js';
import type { Config } from '../config/index.js';
import { cloudPhases, hasChanges, isOperatorAddress, planCloud, projectTag, summarise, type PlanFacts, type PlanStep } from '../plan/index.js';
import { loadState, StateStore, type DropletRole, type State } from '../state/index.js';
import { forgetVanished, reconcileDroplets } from '../run/adopt.js';
import { CLOUD_HANDLERS } from '../run/cloud-handlers.js';
import { DEFAULT_TIMING, type RunContext, type Timing } from '../run/context.js';
import { manualDnsLines } from '../run/dns.js';
import { eachKind, runPhases } from '../run/engine.js';
import type { ApplyEventListener } from '../run/events.js';
import { ApplyAborted, describeFailure, failSteps, StepFailed } from '../run/failure.js';
import { userDataFor } from '../run/user-data.js';
import { showValue } from '../config/show-value.js';
import { changingProject } from './project-lock.js';
import { recordingUnanswered } from './interruption.js';

export interface ApplyOptions {
  config: Config;
  /** Project directory: the state goes to `<dir>/.swarm-wiz/state.json`, the SSH key to `<dir>/.swarm-wiz/ssh/`. */
  dir: string;
  /** DigitalOcean API token: kept in memory by the API client only, never written or printed. */
  token?: string;
  /** API base URL; default `DIGITALOCEAN_API_URL`, else DigitalOcean's. */
  apiUrl?: string;
  /** An API client to use instead of one built from `token` (tests). */
  cloud?: CloudApi;
  /** Per-request timeout and retry policy of the API client built from `token` (defaults: the adapter's). */
  api?: ApiTuning;
  /** Allowed to reach SSH on the droplets (SWARM_WIZ_OPERATOR_IP). */
  operatorIp?: string;
  onEvent?: ApplyEventListener;
  /**
   * Aborting lets the requests in flight finish for a grace of 1 s (then they are abandoned and named in
   * the state's `interrupted`), records what exists and rejects with ApplyAborted.
   */
  signal?: AbortSignal;
  timing?: Partial<Timing>;
  /** cloud-init per role; default: the recipes' `cloud-init/*.yaml`. */
  userData?: Record<DropletRole, string>;
}

export interface ApplyResult {
  steps: PlanStep[];
  state: State;
  /** A records the user must create at their DNS provider, with the real IPs. */
  manualDns: string[];
  /** Droplets found under the project tag but missing from the state (a crash after creating them), now recorded. */
  adopted: string[];
}

/** Per-request timeout and retry policy of the API client (defaults: the adapter's). */
export interface ApiTuning {
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
}

/**
 * The API client for a token, reporting each retry (429 with Retry-After, 5xx, timeouts) as a
 * `retrying` event. The base URL comes from `apiUrl`, else `DIGITALOCEAN_API_URL`, else DigitalOcean's.
 */
export function cloudFromToken(token: string | undefined, apiUrl: string | undefined, emit: ApplyEventListener, tuning: ApiTuning = {}, stop?: StopRequests): CloudApi {
  if (!token) throw new StepFailed('account', { message: 'no DigitalOcean API token', hint: 'Set DIGITALOCEAN_TOKEN to a read/write token (API → Tokens in the DigitalOcean console).' });
  return createCloudApi({
    token,
    ...(apiUrl ? { baseUrl: apiUrl } : {}),
    ...(tuning.timeoutMs !== undefined ? { timeoutMs: tuning.timeoutMs } : {}),
    ...(tuning.retry ? { retry: tuning.retry } : {}),
    ...(stop ? { stop } : {}),
    onRetry: (event) =>
      emit({ type: 'retrying', what: event.request, attempt: event.attempt, delayMs: event.delayMs, reason: event.error.status ? `HTTP ${event.error.status} (${event.error.kind})` : event.error.kind }),
  });
}

const ofKind = <K extends PlanStep['kind']>(steps: PlanStep[], kind: K, ops: PlanStep['op'][] = ['create', 'update']) =>
  steps.filter((s): s is Extract<PlanStep, { kind: K }> => s.kind === kind && ops.includes(s.op));

/**
 * Looks up what the plan needs from the account: the token's validity (GET /v2/account, first of
 * all), the domains in DigitalOcean DNS, and the droplets under the project tag. Read-only.
 */
export async function gatherFacts(cloud: CloudApi, config: Config, state: State, operatorIp?: string): Promise<{ email: string; facts: PlanFacts; state: State; adopted: string[]; vanished: string[] }> {
  const account = await cloud.verifyToken();
  const recorded = state.cloud;
  // Only kinds the state records are listed: a first apply reads the domains and the droplets, nothing more.
  const [dnsZones, droplets, vpcs, firewalls, loadBalancers] = await Promise.all([
    cloud.listDomains(),
    cloud.listDropletsByTag(projectTag(config.project)),
    recorded.vpc ? cloud.listVpcs() : undefined,
    recorded.firewalls.length > 0 ? cloud.listFirewalls() : undefined,
    recorded.loadBalancer ? cloud.listLoadBalancers() : undefined,
  ]);
  const withDroplets = reconcileDroplets(state, droplets);
  const others = forgetVanished(withDroplets.state, { ...(vpcs ? { vpcs } : {}), ...(firewalls ? { firewalls } : {}), ...(loadBalancers ? { loadBalancers } : {}) });
  return {
    email: account.email,
    facts: { dnsZones, ...(operatorIp ? { operatorIp } : {}) },
    state: others.state,
    adopted: withDroplets.adopted,
    vanished: [...withDroplets.vanished, ...others.vanished],
  };
}

/**
 * Makes DigitalOcean match `config`: verifies the token, plans against `.swarm-wiz/state.json`
 * and what the account holds, then creates, updates and deletes in dependency order — droplets in
 * one bulk request per role, awaited with one list call per poll — recording every resource in
 * the state file the moment it exists. Safe to run again after any failure or interruption: it
 * finishes the job without creating anything twice; with nothing to change it makes no write call.
 *
 * Rejects with StepFailed (what failed and what to do), ApplyAborted (signal fired; state is
 * complete, run apply again) or an error from verifying the token (401: stops at once).
 * The token lives only inside `cloud`; nothing here writes or prints it.
 */
export function runApply(options: ApplyOptions): Promise<ApplyResult> {
  return changingProject(options.dir, 'apply', () => applyCloud(options));
}

async function applyCloud(options: ApplyOptions): Promise<ApplyResult> {
  const result = await recordingUnanswered({ dir: options.dir, name: options.config.project }, options.signal, (stop) => applyWith(options, stop));
  if (!result.state.interrupted) return result;
  // Complete now: whatever the stopped run's requests made has been found and recorded.
  const store = new StateStore(options.dir, result.state);
  await store.update((s) => void delete s.interrupted);
  return { ...result, state: store.state };
}

async function applyWith(options: ApplyOptions, stop: StopRequests | undefined): Promise<ApplyResult> {
  const { config, dir } = options;
  const emit: ApplyEventListener = options.onEvent ?? (() => undefined);
  const cloud = options.cloud ?? cloudFromToken(options.token, options.apiUrl, emit, options.api, stop);
  if (options.operatorIp !== undefined && !isOperatorAddress(options.operatorIp)) {
    throw new StepFailed('operator-ip', { message: `SWARM_WIZ_OPERATOR_IP ${showValue(options.operatorIp)} is not an IP address`, hint: 'Give your public IPv4 or IPv6 address (like 203.0.113.7), or a CIDR block (like 203.0.113.0/24).' });
  }
  const recorded = await loadState(dir, config.project);
  let gathered: Awaited<ReturnType<typeof gatherFacts>>;
  try {
    gathered = await gatherFacts(cloud, config, recorded, options.operatorIp);
  } catch (error) {
    if (error instanceof RequestAbandoned) throw new ApplyAborted();
    throw failSteps(emit, ['account'], describeFailure('checking the DigitalOcean account', error));
  }
  emit({ type: 'verified', email: gathered.email });
  const store = new StateStore(dir, gathered.state);
  const operatorChanged = options.operatorIp !== undefined && options.operatorIp !== recorded.cloud.operatorIp;
  if (gathered.adopted.length > 0 || gathered.vanished.length > 0 || operatorChanged) {
    await store.update((s) => {
      if (options.operatorIp !== undefined) s.cloud.operatorIp = options.operatorIp;
    });
  }
  const steps = planCloud(config, store.state, gathered.facts);
  emit({ type: 'planned', steps });

  const ctx: RunContext = {
    cloud,
    config,
    dir,
    store,
    emit,
    signal: options.signal,
    timing: { ...DEFAULT_TIMING, ...options.timing },
    userData: options.userData ?? (needsUserData(steps) ? cloudInit(config) : { manager: '', worker: '', support: '' }),
  };
  await execute(ctx, steps);
  const manualDns = manualDnsLines(ctx, ofKind(steps, 'manual-dns', ['create']));
  const counts = summarise(steps);
  emit({ type: 'finished', created: counts.create, updated: counts.update, deleted: counts.delete, manualDns });
  return { steps, state: store.state, manualDns, adopted: gathered.adopted };
}

function cloudInit(config: Config): Record<DropletRole, string> {
  try {
    return userDataFor(config);
  } catch (error) {
    throw new StepFailed('cloud-init', { message: `rendering the droplets' cloud-init failed: ${(error as Error).message}`, hint: 'Nothing was created. This is a swarm-wiz bug: please report it with your swarm-wiz.yaml.' });
  }
}

const needsUserData = (steps: PlanStep[]) => steps.some((s) => s.kind === 'droplet' && s.op === 'create');

async function execute(ctx: RunContext, steps: PlanStep[]): Promise<void> {
  const settled = ctx.store.state.cloud.droplets.every((d) => d.status === 'active' && d.publicIpv4) && (!ctx.store.state.cloud.loadBalancer || ctx.store.state.cloud.loadBalancer.ip);
  if (!hasChanges(steps) && settled) return;
  await runPhases(ctx, cloudPhases(steps), eachKind(CLOUD_HANDLERS));
}
