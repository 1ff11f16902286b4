// Runs a command in this terminal and writes its exit status to a file, then exits the same way.
// The tmux test reads the file: tmux's own #{pane_dead_status} proved unreliable here (under load
// the pane's process was left a zombie that the tmux server never reaped, so no status appeared).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import process from 'node:process';

const [statusFile, command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: 'inherit' });
child.on('exit', (code, signal) => {
  writeFileSync(statusFile, code === null ? `signal ${signal}` : String(code));
  process.exit(code ?? 1);
});
