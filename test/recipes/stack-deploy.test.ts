import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderProjectFiles } from '../../recipes/index.js';
import { certificateFiles } from '../../recipes/names.js';
import { SEED_EXAMPLE, type Config } from '../../src/config/index.js';
import { newerNginxRoot, throwawayCertificate } from '../peers/nginx.js';
import { eventually, requireTool } from '../peers/tools.js';
import { seedConfig, writeProject } from './fixtures.js';
import { buildBackendImage, buildNginxImage, buildNginxImageFromRoot, startPrivateSwarm, SWARM_ADDRESS, type PrivateSwarm } from './private-swarm.js';

/**
 * The generated stack deployed for real: support/deploy_stack.sh runs `docker stack deploy` of the
 * generated docker-compose.yml (manager topology, certificates as Swarm secrets, nginx.conf as a
 * Swarm config) on a private one-node swarm; HTTPS goes to the published host-mode port 443.
 */
const run = promisify(execFile);
let swarm: PrivateSwarm | undefined;
const dirs: string[] = [];

const localImages = (config: typeof SEED_EXAMPLE, proxyImage = 'swz-test/nginx:1.22') => ({
  proxy: { image: proxyImage },
  sites: config.sites.map((site) => ({
    ...site,
    service: { ...site.service, image: `swz-test/${site.service.name}:1` },
    private: (site.private ?? []).map((svc) => ({ ...svc, image: `swz-test/${svc.name}:1` })),
  })),
});

function writeCertificates(dir: string, domain: string, names: string[]): void {
  const cert = throwawayCertificate(names);
  const paths = certificateFiles(domain);
  mkdirSync(dirname(join(dir, paths.chain)), { recursive: true });
  writeFileSync(join(dir, paths.chain), cert.certPem);
  writeFileSync(join(dir, paths.key), cert.keyPem, { mode: 0o600 });
}



async function https(domain: string): Promise<{ code: number; body: string }> {
  const result = await swarm!.inNamespace(['curl', '-sk', '-o', '-', '-w', '\n%{http_code}', '--max-time', '20', '--resolve', `${domain}:443:${SWARM_ADDRESS}`, `https://${domain}/`]);
  const lines = result.stdout.split('\n');
  return { code: Number(lines.pop()), body: lines.join('\n').trim() };
}

async function servedNames(domain: string): Promise<string> {
  const result = await swarm!.inNamespace([
    'sh', '-c',
    `echo | openssl s_client -connect ${SWARM_ADDRESS}:443 -servername ${domain} 2>/dev/null | openssl x509 -noout -ext subjectAltName`,
  ]);
  return result.stdout;
}

async function deploy(dir: string): Promise<void> {
  await run('sh', [join(dir, 'support/deploy_stack.sh')], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, DOCKER_HOST: swarm!.dockerHost },
  });
}

describe.each([
  { proxyImage: 'swz-test/nginx:1.22', rendering: 'per-request' },
  { proxyImage: 'swz-test/nginx:1.30', rendering: 'upstream-resolve' },
])('the generated stack on a real (private, one-node) swarm, proxy $proxyImage ($rendering)', ({ proxyImage, rendering }) => {
  let config: Config;
  let dir: string;

  beforeAll(async () => {
    requireTool('curl', ['curl', '--version'], 'requests to the deployed stack');
    const newer = rendering === 'upstream-resolve' ? newerNginxRoot() : undefined;
    swarm = await startPrivateSwarm();
    config = seedConfig('manager', 'secrets', localImages(SEED_EXAMPLE, proxyImage));
    if (newer) await buildNginxImageFromRoot(swarm, proxyImage, newer.root);
    else await buildNginxImage(swarm, proxyImage);
    for (const site of config.sites) {
      for (const svc of [site.service, ...site.private]) await buildBackendImage(swarm, `swz-test/${svc.name}:1`, svc.name, svc.port);
    }
    dir = writeProject(renderProjectFiles(config, { supportPrivateIp: SWARM_ADDRESS }));
    expect(readFileSync(join(dir, 'proxy/nginx.conf'), 'utf8')).toContain(`# Rendering: ${rendering} `);
    dirs.push(dir);
    for (const site of config.sites) writeCertificates(dir, site.domain, [site.domain]);
  }, 600_000);

  afterAll(async () => {
    await swarm?.stop();
    swarm = undefined;
    dirs.forEach((path) => rmSync(path, { recursive: true, force: true }));
  }, 120_000);

  it('deploy_stack.sh deploys it; HTTPS with SNI reaches each service through Docker DNS (dnsrr)', async () => {
    await deploy(dir);
    for (const site of config.sites) {
      const reply = await eventually(`https://${site.domain}`, () => https(site.domain), (r) => r.code === 200, 240);
      expect(reply.body).toBe(site.service.name);
    }
    const endpoint = (service: string) => swarm!.docker(['service', 'inspect', `demo_${service}`, '--format', '{{json .Endpoint.Spec}}']);
    expect(JSON.parse(await endpoint('proxy'))).toEqual({
      Mode: 'dnsrr',
      Ports: [
        { Protocol: 'tcp', TargetPort: 80, PublishedPort: 80, PublishMode: 'host' },
        { Protocol: 'tcp', TargetPort: 443, PublishedPort: 443, PublishMode: 'host' },
      ],
    });
    // A private service publishes nothing (its endpoint spec is empty; dnsrr shows on the service spec).
    expect(JSON.parse(await endpoint('a1'))).toEqual({});
    expect((await swarm!.docker(['service', 'inspect', 'demo_a1', '--format', '{{.Spec.EndpointSpec.Mode}}'])).trim()).toBe('dnsrr');
  }, 600_000);

  it('a service scaled to 0 gets the 503 page; the other domains keep working', async () => {
    await swarm!.docker(['service', 'scale', '--detach', 'demo_service-b=0']);
    expect((await eventually('b.com down', () => https('b.com'), (r) => r.code === 503)).body).toContain('temporarily unavailable');
    expect((await https('a.com')).code).toBe(200);
    await swarm!.docker(['service', 'scale', '--detach', 'demo_service-b=1']);
    expect((await eventually('b.com back', () => https('b.com'), (r) => r.code === 200)).body).toBe('service-b');
  }, 300_000);

  it('a renewed certificate rolls out under a new secret name by re-running deploy_stack.sh', async () => {
    expect(await servedNames('a.com')).not.toContain('renewed.a.com');
    writeCertificates(dir, 'a.com', ['a.com', 'renewed.a.com']);
    await deploy(dir);
    await eventually('the renewed certificate', () => servedNames('a.com'), (names) => names.includes('DNS:renewed.a.com'), 240);
    const secrets = await swarm!.docker(['secret', 'ls', '--format', '{{.Name}}']);
    expect(secrets.split('\n').filter((name) => name.startsWith('demo_a.com_crt_')).length).toBe(2);
    expect((await https('c.com')).body).toBe('service-c');
  }, 600_000);

  it('image delivery: the generated Dockerfile builds, and nginx in the image accepts its baked-in config and certificates', async () => {
    const imageConfig = seedConfig('manager', 'image', { ...localImages(SEED_EXAMPLE, proxyImage), registry: 'localhost:5000/me' });
    const imageDir = writeProject(renderProjectFiles(imageConfig));
    dirs.push(imageDir);
    for (const site of imageConfig.sites) writeCertificates(imageDir, site.domain, [site.domain]);
    await swarm!.docker(['build', '--tag', 'localhost:5000/me/demo-proxy:test', 'proxy'], { cwd: imageDir, env: { DOCKER_BUILDKIT: '0' } });
    // Fails (docker run exits non-zero) if nginx rejects the image's config; its report is on stderr.
    const report = await swarm!.docker(['run', '--rm', '--add-host', 'swarm-wiz-support:127.0.0.1', 'localhost:5000/me/demo-proxy:test', 'sh', '-c', '/usr/sbin/nginx -t 2>&1']);
    expect(report).toContain('test is successful');
  }, 300_000);
});
