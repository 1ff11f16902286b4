#!/usr/bin/env node
import { launchDir, processIo } from './io.js';
import { runCli } from './run-cli.js';

// A reader that goes away (`swarm-wiz apply … | head`) must not stop the files being written.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

// `npm start -- …` from a checkout works in the folder npm was called from, not in the checkout: relative
// paths, the default project folder and the files the commands write, as when installed.
process.chdir(launchDir(process.env, process.cwd()));

process.exitCode = await runCli(process.argv.slice(2), processIo());
