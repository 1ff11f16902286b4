/**
 * A process that runs the cloud half of `swarm-wiz apply` exactly as the CLI does (provisionCloud
 * with the real process's stdio, env and SIGINT), for the Ctrl-C tests: the CLI's `apply` command
 * is not wired to provisionCloud yet.
 *
 *   node --import tsx test/e2e/apply-entry.ts --config swarm-wiz.yaml --dir DIR
 * with DIGITALOCEAN_TOKEN, DIGITALOCEAN_API_URL, and TEST_POLL_MS (poll interval) in the env.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config/index.js';
import { CliExit } from '../../src/cli/exit.js';
import { processIo } from '../../src/cli/io.js';
import { provisionCloud } from '../../src/cli/provision-cloud.js';

const { values } = parseArgs({ options: { config: { type: 'string' }, dir: { type: 'string' } } });
const io = processIo();
try {
  const config = await loadConfig(values.config!);
  await provisionCloud({ config, dir: values.dir!, token: io.env.DIGITALOCEAN_TOKEN!, io, verbose: false, timing: { pollIntervalMs: Number(io.env.TEST_POLL_MS ?? 3000) } });
  process.exitCode = 0;
} catch (error) {
  if (!(error instanceof CliExit)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = error.code;
}
