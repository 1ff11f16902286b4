import { join, relative } from 'node:path';
import { renderCrontab } from '../../recipes/crontab.js';
import { accountKeyPath, directoryUrlFor } from '../adapters/acme/account-key.js';
import { CertificateStore } from '../adapters/certificate-store.js';
import { CONFIG_FILE } from '../config/file-name.js';
import { readOptional, writeFileAtomic } from '../config/fs-atomic.js';
import { CA_CERT_FILE, TOKEN_FILE } from './dns-api.js';
import { ALERTS_PATH } from './alerts-files.js';
import { BACKUP_SETTINGS_PATH } from './backup-files.js';
import { sshKeyPath } from '../adapters/ssh-key.js';
import { certificateMeta, splitChain, type CertificateMeta } from '../adapters/certificate-metadata.js';
import type { SiteNames } from '../certs/sites.js';
import { hashFiles, keyAuthorized, parseHashes, readCrontab, readFile as readRemoteFile } from '../commands/index.js';
import { configToYaml, type Config } from '../config/index.js';
import type { SupportFacts } from '../plan/index.js';
import type { ProxyFile, SupportContext } from '../run/deploy-context.js';
import { parseState, STATE_FILE, type State } from '../state/index.js';
import type { Shell } from '../targets/target.js';
import { certificateFiles, sha256Hex } from '../../recipes/names.js';
import { X509Certificate } from 'node:crypto';

/** What `apply` needs to set up the support server (droplets). */
export interface SupportSetup {
  /** The support droplet's name. */
  node: string;
  /** Its VPC address: its SSH key is accepted on the swarm nodes from there only. */
  address: string;
  /** swarm-wiz as one file (see src/adapters/bundle.ts). */
  bundle(): Promise<string>;
  /** A CA certificate to trust for the ACME server (apply's --ca-cert): copied as `.swarm-wiz/ca.pem`. */
  caCertPem?: string;
  /** dns-01 only: the DigitalOcean token, copied as a root-only file. */
  token?: string;
}

/** Files of the copy, relative to the project folder on the support server. */
export const SUPPORT_FILES = {
  bundle: 'bin/swarm-wiz.mjs',
  /** A two-line launcher: the crontab's PATH finds `swarm-wiz` here (an extensionless file would not load as ES module). */
  launcher: 'bin/swarm-wiz',
  config: CONFIG_FILE,
  state: STATE_FILE,
  caCert: CA_CERT_FILE,
  token: TOKEN_FILE,
  /** Where alerts go (alerts set): copied when set, kept even when emptied so the copy learns of a removal. */
  alerts: ALERTS_PATH,
  /** Where backups go (backup setup): the S3 keys and the repository password, for the scheduled run. */
  backup: BACKUP_SETTINGS_PATH,
} as const;

/** `bin/swarm-wiz`: runs the bundle beside it with the Node.js on PATH (Debian's /usr/bin/node). */
export const LAUNCHER = '#!/bin/sh\n# swarm-wiz, installed by swarm-wiz apply on the support server.\nexec node "$(dirname "$0")/swarm-wiz.mjs" "$@"\n';

/** The oldest Node.js major version the bundle runs on (package.json engines). */
export const MIN_NODE_MAJOR = 20;


/** Names the support server's key in authorized_keys (a new key replaces the line with the same comment). */
export const supportKeyComment = (config: Pick<Config, 'project'>): string => `swarm-wiz-support:${config.project}`;

/**
 * The authorized_keys line of the support server's key on the swarm nodes: usable only from its VPC
 * address, and for commands only (no forwarding of any kind).
 */
export function supportAuthorizedLine(publicKey: string, address: string, comment: string): string {
  const [type, body] = publicKey.trim().split(/\s+/);
  return `from="${address}",no-agent-forwarding,no-port-forwarding,no-X11-forwarding ${type} ${body} ${comment}`;
}

/**
 * The state as the support server gets it: what renew needs (the droplets and their addresses, the
 * pinned host keys, the swarm's id, the stack's hash, the load balancer's address) and `runsOn`; not
 * the join tokens, the operator's address, the firewalls, the SSH key or VPC records. Its own
 * certificate bookkeeping (failed attempts) is kept from the copy it has.
 */
export function supportState(state: State, node: string, remote?: State): State {
  const { joinTokens: _tokens, ...swarm } = state.swarm ?? {};
  const copy: State = {
    version: state.version,
    project: state.project,
    target: 'digitalocean',
    runsOn: node,
    cloud: {
      tags: state.cloud.tags,
      droplets: state.cloud.droplets,
      firewalls: [],
      dnsRecords: state.cloud.dnsRecords,
      ...(state.cloud.loadBalancer ? { loadBalancer: state.cloud.loadBalancer } : {}),
    },
    ...(state.swarm ? { swarm } : {}),
    ...(state.nodes ? { nodes: state.nodes } : {}),
    ...(state.stack ? { stack: state.stack } : {}),
  };
  const certificates = remote?.certificates ?? state.certificates;
  return certificates ? { ...copy, certificates } : copy;
}

/** The copy of the project folder the support server renews from: path → content and mode. */
export async function supportFiles(options: { config: Config; dir: string; state: State; setup: SupportSetup; sites: readonly SiteNames[]; remoteState?: State }): Promise<Map<string, ProxyFile>> {
  const { config, dir, setup } = options;
  const files = new Map<string, ProxyFile>();
  files.set(SUPPORT_FILES.bundle, { content: await setup.bundle(), mode: 0o755 });
  files.set(SUPPORT_FILES.launcher, { content: LAUNCHER, mode: 0o755 });
  files.set(SUPPORT_FILES.config, { content: configToYaml(config), mode: 0o644 });
  files.set(SUPPORT_FILES.state, { content: `${JSON.stringify(supportState(options.state, setup.node, options.remoteState), null, 2)}\n`, mode: 0o600 });
  const account = accountKeyPath(dir, directoryUrlFor(config.certificates.ca));
  const accountPem = await readOptional(account);
  if (accountPem !== undefined) files.set(relative(dir, account), { content: accountPem, mode: 0o600 });
  const store = new CertificateStore(dir);
  for (const site of options.sites) {
    const paths = store.paths(site.domain);
    const modes: [string, number][] = [
      [paths.key, 0o600],
      [paths.fullchain, 0o600],
      [paths.meta, 0o644],
      [paths.renewal, 0o644],
    ];
    for (const [path, mode] of modes) {
      const content = await readOptional(path);
      if (content !== undefined) files.set(relative(dir, path), { content, mode });
    }
  }
  if (setup.caCertPem) files.set(SUPPORT_FILES.caCert, { content: setup.caCertPem, mode: 0o644 });
  const alerts = await readOptional(join(dir, SUPPORT_FILES.alerts));
  if (alerts !== undefined) files.set(SUPPORT_FILES.alerts, { content: alerts, mode: 0o600 });
  const backup = await readOptional(join(dir, SUPPORT_FILES.backup));
  if (backup !== undefined) files.set(SUPPORT_FILES.backup, { content: backup, mode: 0o600 });
  if (setup.token && config.certificates.challenge === 'dns-01') files.set(SUPPORT_FILES.token, { content: `${setup.token}\n`, mode: 0o600 });
  return files;
}

/** The support server's copy of the state, if it has one that parses. */
async function remoteState(shell: Shell, remoteDir: string, signal?: AbortSignal): Promise<State | undefined> {
  const read = await shell.probe(readRemoteFile(`${remoteDir}/${STATE_FILE}`), { signal });
  if (read.exitCode !== 0) return undefined;
  try {
    return parseState(read.stdout, `${remoteDir}/${STATE_FILE}`);
  } catch {
    return undefined;
  }
}

const newer = (remote: CertificateMeta, local: CertificateMeta | undefined): boolean =>
  !remote.placeholder && (!local || local.placeholder || Date.parse(remote.notBefore) > Date.parse(local.notBefore));

/**
 * Once installed, the support server renews on its own: its certificates may be newer than this
 * folder's. Each one that is (a later notBefore) is copied here first — key, chain, metadata, renewal
 * record — so this run neither orders it again nor rolls an older one back out. Returns the domains taken.
 */
export async function takeNewerCertificates(shell: Shell, dir: string, remoteDir: string, sites: readonly SiteNames[], signal?: AbortSignal): Promise<string[]> {
  const local = new CertificateStore(dir);
  const remote = new CertificateStore(remoteDir);
  const taken: string[] = [];
  for (const site of sites) {
    const paths = remote.paths(site.domain);
    const metaText = await shell.probe(readRemoteFile(paths.meta), { signal });
    if (metaText.exitCode !== 0) continue;
    let meta: CertificateMeta;
    try {
      meta = JSON.parse(metaText.stdout) as CertificateMeta;
    } catch {
      continue;
    }
    if (!newer(meta, await local.readMeta(site.domain))) continue;
    const [key, chain, renewal] = await Promise.all([paths.key, paths.fullchain, paths.renewal].map((path) => shell.probe(readRemoteFile(path), { signal })));
    if (key!.exitCode !== 0 || chain!.exitCode !== 0) continue;
    // save() checks that the key fits the chain and that every name is covered before writing anything.
    await local.save(site.domain, key!.stdout, chain!.stdout, { names: [site.domain, ...site.altNames], ...(meta.caDirectoryUrl ? { caDirectoryUrl: meta.caDirectoryUrl } : {}), ...(meta.profile ? { profile: meta.profile } : {}) });
    await local.writeMeta(site.domain, meta);
    if (renewal!.exitCode === 0) await writeFileAtomic(local.paths(site.domain).renewal, renewal!.stdout, 0o644);
    taken.push(site.domain);
  }
  return taken;
}

/** Whether the support server holds a copy of the project (a droplet made again, or never set up, has none). */
export async function supportHasCopy(shell: Shell, remoteDir: string, signal?: AbortSignal): Promise<boolean> {
  return (await shell.probe(readRemoteFile(`${remoteDir}/${STATE_FILE}`), { signal })).exitCode === 0;
}

/** A self-signed chain: the placeholder a proxy serves before the first real certificate. */
function selfIssued(chainPem: string): boolean {
  const leaf = splitChain(chainPem)[0];
  if (!leaf) return true;
  const certificate = new X509Certificate(leaf);
  return certificate.issuer === certificate.subject;
}

/**
 * When the support server's copy is gone with its droplet, what it renewed since the last apply
 * survives only where it rolled it out: the proxy folders. Each site's certificate there that is newer
 * than this folder's (a later notBefore; never a placeholder) is taken — chain and key, checked to fit
 * and to cover every name — from the proxy node holding the newest. A node that cannot be reached is
 * passed over. Returns the domains taken.
 */
export async function takeServedCertificates(shells: readonly Shell[], dir: string, projectDir: string, sites: readonly SiteNames[], signal?: AbortSignal): Promise<string[]> {
  const local = new CertificateStore(dir);
  const taken: string[] = [];
  for (const site of sites) {
    const files = certificateFiles(site.domain);
    let best: { shell: Shell; chain: string; meta: CertificateMeta } | undefined;
    for (const shell of shells) {
      const read = await shell.probe(readRemoteFile(`${projectDir}/${files.chain}`), { signal }).catch(() => undefined);
      if (read?.exitCode !== 0) continue;
      let meta: CertificateMeta;
      try {
        if (selfIssued(read.stdout)) continue;
        meta = certificateMeta(read.stdout);
      } catch {
        continue;
      }
      if (!best || Date.parse(meta.notBefore) > Date.parse(best.meta.notBefore)) best = { shell, chain: read.stdout, meta };
    }
    const mine = await local.readMeta(site.domain);
    if (!best || !newer(best.meta, mine)) continue;
    const key = await best.shell.probe(readRemoteFile(`${projectDir}/${files.key}`), { signal }).catch(() => undefined);
    if (key?.exitCode !== 0) continue;
    // save() checks that the key fits the chain and that every name is covered before writing anything.
    await local.save(site.domain, key.stdout, best.chain, { names: [site.domain, ...site.altNames], ...(mine?.caDirectoryUrl ? { caDirectoryUrl: mine.caDirectoryUrl } : {}), ...(mine?.profile ? { profile: mine.profile } : {}) });
    taken.push(site.domain);
  }
  return taken;
}

/** What the support server looks like, for the plan; and the context its step runs with. */
export async function supportFacts(options: {
  config: Config;
  dir: string;
  /** The state as it is when read (the step runs after the stack and certificate steps recorded theirs). */
  state(): State;
  setup: SupportSetup;
  sites: readonly SiteNames[];
  shell: Shell;
  remoteDir: string;
  swarmNodes: readonly string[];
  nodeShell(name: string): Shell;
  signal?: AbortSignal;
}): Promise<{ facts: SupportFacts; context: SupportContext }> {
  const { config, setup, shell, remoteDir, signal } = options;
  const keyComment = supportKeyComment(config);
  const keyPath = sshKeyPath(remoteDir);
  const [hashes, crontab, publicKey, remote] = await Promise.all([
    shell.probe(hashFiles(remoteDir), { signal }),
    shell.probe(readCrontab, { signal }),
    shell.probe(readRemoteFile(`${keyPath}.pub`), { signal }),
    remoteState(shell, remoteDir, signal),
  ]);
  const filesNow = () => supportFiles({ ...options, state: options.state(), ...(remote ? { remoteState: remote } : {}) });
  const desired = await filesNow();
  const crontabText = renderCrontab(config);
  let unauthorized = [...options.swarmNodes];
  if (publicKey.exitCode === 0 && publicKey.stdout.trim()) {
    const line = supportAuthorizedLine(publicKey.stdout, setup.address, keyComment);
    const checks = await Promise.all(options.swarmNodes.map(async (node) => ((await options.nodeShell(node).probe(keyAuthorized(line), { signal })).exitCode === 0 ? undefined : node)));
    unauthorized = checks.filter((node): node is string => node !== undefined);
  }
  const facts: SupportFacts = {
    name: setup.node,
    dir: remoteDir,
    ...(hashes.exitCode === 0 ? { files: parseHashes(hashes.stdout, remoteDir) } : {}),
    desiredFiles: new Map([...desired].map(([path, file]) => [path, sha256Hex(file.content)])),
    crontabMatches: crontab.exitCode === 0 && crontab.stdout === crontabText,
    unauthorized,
    token: desired.has(SUPPORT_FILES.token),
  };
  const context: SupportContext = {
    // Read again when the step runs: this run's certificates are in the store by then.
    files: filesNow,
    crontab: crontabText,
    keyPath,
    keyComment,
    authorizedLine: (key) => supportAuthorizedLine(key, setup.address, keyComment),
    swarmNodes: [...options.swarmNodes],
    minNodeMajor: MIN_NODE_MAJOR,
  };
  return { facts, context };
}
