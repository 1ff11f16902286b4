import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { requireTool } from '../peers/tools.js';
import { median, type Figure } from './figures.js';

/**
 * Start-up of the installed command, as a user gets it: `npm pack` of this checkout (its prepack
 * builds dist/), installed offline with `npm install -g` into a fresh prefix, run from an unrelated
 * folder. Compared, in alternating rounds, with `node -e 0` (the floor of any Node.js command).
 * The wizard's first question is timed on a real terminal: tmux in control mode reports the pane's
 * output as it is written, so the clock stops when "Project name" is on the screen.
 */
const ROUNDS = 11;
const REPO = join(import.meta.dirname, '..', '..');
const ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), CI: 'false', TERM: 'xterm-256color', npm_config_update_notifier: 'false' };

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** Milliseconds from starting `argv` in a fresh tmux (own server, control mode) until `marker` is on the pane, or until it exits when `marker` is null. */
let terminals = 0;

function onTerminal(argv: readonly string[], cwd: string, marker: RegExp | null): Promise<number> {
  // A server of its own each time: a server told to stop may still be going when the next one starts.
  const socket = `swz-bench-${process.pid}-${terminals++}`;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('tmux', ['-L', socket, '-f', '/dev/null', '-C', 'new-session', '-x', '160', '-y', '50', '-c', cwd, '--', ...argv], { stdio: ['pipe', 'pipe', 'pipe'], env: ENV });
    child.stdin.on('error', () => undefined); // tmux may be gone already when told to stop
    let out = '';
    let elapsed: number | undefined;
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${argv.join(' ')}: no ${String(marker)} on the terminal within 60 s:\n${out.slice(-2000)}`));
    }, 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (elapsed !== undefined) return;
      const text = out.split('\n').filter((line) => line.startsWith('%output ')).join('');
      if ((marker !== null && marker.test(text)) || (marker === null && out.includes('%exit'))) {
        elapsed = performance.now() - started;
        clearTimeout(timer);
        if (marker !== null) child.stdin.write('kill-server\n');
        child.stdin.end();
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      if (elapsed === undefined) reject(new Error(`${argv.join(' ')}: tmux ended before ${String(marker)}:\n${out.slice(-2000)}`));
      else resolve(elapsed);
    });
  });
}

export default async function cliBench(): Promise<Figure[]> {
  requireTool('tmux', ['tmux', '-V'], 'timing the first wizard question on a terminal');
  const work = await mkdtemp(join(tmpdir(), 'swarm-wiz-bench-cli-'));
  try {
    const packDir = join(work, 'pack');
    await mkdir(packDir);
    const cache = join(work, 'npm-cache');
    await execa('npm', ['pack', '--pack-destination', packDir, '--cache', cache], { cwd: REPO, env: ENV, extendEnv: false });
    const [tarball] = await readdir(packDir);
    if (tarball === undefined) throw new Error('npm pack made no tarball');
    const prefix = join(work, 'prefix');
    await execa('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, '--cache', cache, join(packDir, tarball)], { cwd: work, env: ENV, extendEnv: false });
    const swarmWiz = join(prefix, 'bin', 'swarm-wiz');
    const runDir = join(work, 'run');
    await mkdir(runDir);
    const projectDir = (round: number) => join(runDir, `wizard-${round}`);

    const node: number[] = [];
    const version: number[] = [];
    const nodeOnTerminal: number[] = [];
    const wizard: number[] = [];
    // Warm the page cache once; then A, B, C, D, A, B, … with the order reversed every other round.
    await execa(swarmWiz, ['--version'], { cwd: runDir, env: ENV, extendEnv: false });
    await onTerminal([process.execPath, '-e', '0'], runDir, null);
    for (let round = 0; round < ROUNDS; round++) {
      await mkdir(projectDir(round));
      const steps: (() => Promise<void>)[] = [
        async () => void node.push(await timed(() => execa(process.execPath, ['-e', '0'], { cwd: runDir, env: ENV, extendEnv: false }))),
        async () => void version.push(await timed(() => execa(swarmWiz, ['--version'], { cwd: runDir, env: ENV, extendEnv: false }))),
        async () => void nodeOnTerminal.push(await onTerminal([process.execPath, '-e', '0'], runDir, null)),
        async () => void wizard.push(await onTerminal([swarmWiz, '--dir', projectDir(round)], runDir, /Project name/)),
      ];
      for (const step of round % 2 === 0 ? steps : steps.reverse()) await step();
    }
    const how = `installed package (npm pack + npm install -g), median of ${ROUNDS} alternating rounds, Node.js ${process.version}`;
    return [
      {
        name: 'swarm-wiz --version (installed command)',
        value: median(version),
        unit: 'ms',
        baseline: { name: 'node -e 0', value: median(node) },
        target: { text: '≤ 2.5× node -e 0', on: 'ratio', comparator: '<=', limit: 2.5 },
        note: how,
      },
      {
        name: 'swarm-wiz: first wizard question on a terminal',
        value: median(wizard),
        unit: 'ms',
        baseline: { name: 'node -e 0 on the same terminal (tmux)', value: median(nodeOnTerminal) },
        target: { text: '≤ 4× node -e 0', on: 'ratio', comparator: '<=', limit: 4 },
        note: `${how}; "Project name" on a tmux pane (control mode), tmux start-up included on both sides`,
      },
    ];
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
