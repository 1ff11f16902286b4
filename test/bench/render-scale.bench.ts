import { readFile } from 'node:fs/promises';
import { renderNginxConf } from '../../recipes/nginx-conf.js';
import { certificatePathsInContainer } from '../../recipes/names.js';
import { parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { checkNginxConf, newerNginxRoot, startProxy, throwawayCertificate } from '../peers/nginx.js';
import { median, type Figure } from './figures.js';

/**
 * 500 sites: the nginx.conf rendered (upstream-resolve, the default), checked by `nginx -t` on the
 * newer nginx with a certificate file per site (no server_names_hash warning allowed), then run, and
 * the proportional set size (PSS: shared pages split between the processes sharing them) of its
 * master and workers summed.
 */
const SITES = 500;
const ROUNDS = 3;
/** compose's extra_hosts entry for the support server; nothing connects to it here (port 9: discard). */
const SUPPORT = { 'swarm-wiz-support:80': { host: '127.0.0.1', port: 9 } };

async function pssKiB(pid: number): Promise<number> {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  const match = /^Pss:\s+(\d+) kB/m.exec(rollup);
  if (!match) throw new Error(`no Pss in /proc/${pid}/smaps_rollup`);
  return Number(match[1]);
}

async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
  return tasks.trim().split(/\s+/).filter(Boolean).map(Number);
}

export default async function renderScaleBench(): Promise<Figure[]> {
  const { root, version } = newerNginxRoot();
  const config = parseConfig({
    ...SEED_EXAMPLE,
    sites: Array.from({ length: SITES }, (_, i) => ({ domain: `site-${i + 1}.example-domain.test`, aliases: [`www.site-${i + 1}.example-domain.test`], service: { name: `service-${i + 1}`, image: 'ghcr.io/me/s:1.0', port: 5000 } })),
  });
  const renderTimes: number[] = [];
  let conf = '';
  for (let round = 0; round < ROUNDS + 1; round++) {
    const started = performance.now();
    conf = renderNginxConf(config, { rendering: 'upstream-resolve' });
    if (round > 0) renderTimes.push(performance.now() - started); // round 0 warms up
  }
  const { certPem, keyPem } = throwawayCertificate(['placeholder.test']);
  const files: Record<string, string> = {};
  for (const site of config.sites) {
    const paths = certificatePathsInContainer(config.certificates.delivery, site.domain);
    files[paths.chain] = certPem;
    files[paths.key] = keyPem;
  }
  const checkTimes: number[] = [];
  let output = '';
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    const check = await checkNginxConf({ nginxConf: conf, files, nginxRoot: root, hosts: SUPPORT });
    checkTimes.push(performance.now() - started);
    output = check.output;
    if (!check.ok) throw new Error(`nginx -t refused ${SITES} sites:\n${check.output}`);
  }
  const warnings = output.split('\n').filter((line) => /\[warn\]|\[emerg\]/.test(line));
  const proxy = await startProxy({ nginxConf: conf, files, nginxRoot: root, hosts: SUPPORT });
  let pss: number;
  let workers: number;
  try {
    const pidText = await proxy.exec(['cat', `${root}/run/nginx.pid`]);
    const master = Number(pidText.stdout.trim());
    if (!(master > 0)) throw new Error(`no nginx pid: ${pidText.stderr}`);
    const children = await childrenOf(master);
    workers = children.length;
    pss = (await Promise.all([master, ...children].map(pssKiB))).reduce((sum, kib) => sum + kib, 0) / 1024;
  } finally {
    await proxy.stop();
  }
  return [
    { name: `render nginx.conf for ${SITES} sites (upstream-resolve)`, value: median(renderTimes), unit: 'ms', note: `${conf.split('\n').length} lines; median of ${ROUNDS}` },
    {
      name: `nginx -t of ${SITES} sites: warnings (server_names_hash and others)`,
      value: warnings.length,
      unit: 'warnings',
      target: { text: '0', on: 'value', comparator: '<=', limit: 0 },
      note: warnings.length > 0 ? warnings.slice(0, 3).join(' | ') : `accepted by nginx ${version}, ${2 * SITES} names, a certificate file per site`,
    },
    { name: `nginx -t of ${SITES} sites (in a fresh namespace)`, value: median(checkTimes), unit: 'ms', note: `nginx ${version}; median of ${ROUNDS}; includes starting the namespace and the Node.js helper in it` },
    { name: `PSS of nginx running ${SITES} sites (master + ${workers} workers)`, value: pss, unit: 'MiB', note: `sum of Pss in /proc/PID/smaps_rollup; nginx ${version}, worker_processes auto on ${workers} cores; 64 KiB zone per upstream` },
  ];
}
