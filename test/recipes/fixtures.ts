import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DELIVERIES, TOPOLOGIES, parseConfig, SEED_EXAMPLE, type Config, type ConfigInput, type Delivery, type Topology } from '../../src/config/index.js';
import type { GeneratedFile } from '../../recipes/index.js';
import { throwawayCertificate } from '../peers/nginx.js';

/** The seed's example in one topology and delivery (image delivery pushes to DOCR). */
export function seedConfig(topology: Topology, delivery: Delivery, overrides: Partial<ConfigInput> = {}): Config {
  return parseConfig({
    ...SEED_EXAMPLE,
    topology,
    certificates: { ...SEED_EXAMPLE.certificates, delivery },
    ...(delivery === 'image' ? { registry: 'registry.digitalocean.com/me' } : {}),
    ...overrides,
  });
}

/** The 8 renderings the issue asks for: 4 topologies × 2 deliveries. */
export const RENDERINGS = TOPOLOGIES.flatMap((topology) => DELIVERIES.map((delivery) => ({ topology, delivery, name: `${topology}-${delivery}` })));

/** Writes generated files into a fresh temp dir; returns the dir. */
export function writeProject(files: readonly GeneratedFile[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'swz-recipes-'));
  for (const file of files) {
    const path = join(dir, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content, { mode: file.mode });
  }
  return dir;
}

export function fileOf(files: readonly GeneratedFile[], path: string): string {
  const file = files.find((candidate) => candidate.path === path);
  if (!file) throw new Error(`no generated file ${path} (have: ${files.map((f) => f.path).join(', ')})`);
  return file.content;
}

/** `server_name …; ssl_certificate …; ssl_certificate_key …;` of each HTTPS server, read from the text itself. */
export function certificatePathsInText(nginxConf: string): { names: string[]; chain: string; key: string }[] {
  const found: { names: string[]; chain: string; key: string }[] = [];
  const pattern = /server_name ([^;]+);\s+ssl_certificate ([^;]+);\s+ssl_certificate_key ([^;]+);/g;
  for (const match of nginxConf.matchAll(pattern)) {
    found.push({ names: match[1]!.split(' '), chain: match[2]!, key: match[3]! });
  }
  return found;
}

/** Throwaway certificates (for `checkNginxConf`/`startProxy` files) at exactly the paths the text names. */
export function certificateFilesFor(nginxConf: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const { names, chain, key } of certificatePathsInText(nginxConf)) {
    const cert = throwawayCertificate(names);
    files[chain] = cert.certPem;
    files[key] = cert.keyPem;
  }
  return files;
}
