import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually } from '../peers/tools.js';
import type { SandboxInfo } from './sandbox-env.js';

/** One request a receiver got: what a webhook service (Slack, Discord, ntfy, a JSON endpoint) or a heartbeat service would see. */
export interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * The webhook and heartbeat services, where they would be: on "the internet" of the sandbox (the
 * operator namespace's public address, which every droplet reaches). One Node HTTP server answers
 * every path 200 and appends each request as a JSON line to a file; requests over 64 KiB are cut.
 */
const SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const [address, port, log] = process.argv.slice(1);
http.createServer((req, res) => {
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => { size += chunk.length; if (size <= 65536) chunks.push(chunk); });
  req.on('end', () => {
    fs.appendFileSync(log, JSON.stringify({ method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }) + '\\n');
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
}).listen(Number(port), address, () => console.log('listening'));
`;

export interface AlertReceiver {
  /** `http://<address>:<port>` */
  base: string;
  requests(): Promise<Received[]>;
  stop(): Promise<void>;
}

export async function startReceiver(info: SandboxInfo, dir: string, address: string, port: number): Promise<AlertReceiver> {
  const log = join(dir, `receiver-${port}.jsonl`);
  const child: ChildProcess = spawn('ip', ['netns', 'exec', info.operatorNetns, process.execPath, '-e', SERVER, address, String(port), log], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await eventually(`the receiver on ${address}:${port}`, () => Promise.resolve(output), (text) => text.includes('listening') || child.exitCode !== null, 10, 100);
  if (child.exitCode !== null) throw new Error(`the receiver did not start: ${output}`);
  return {
    base: `http://${address}:${port}`,
    requests: async () =>
      (await readFile(log, 'utf8').catch(() => ''))
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Received),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
