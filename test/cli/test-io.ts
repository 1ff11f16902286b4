import { PassThrough, Writable } from 'node:stream';
import type { CliIo } from '../../src/cli/io.js';
import type { Prompter } from '../../src/wizard/prompter.js';

/** A writable that keeps everything written to it, shaped like a terminal stream for Ink. */
function captureStream(columns: number): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  Object.assign(stream, { columns, rows: 50 });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

export interface TestIo {
  io: CliIo;
  stdout: () => string;
  stderr: () => string;
}

/**
 * An in-process CliIo: captured output, an env without DIGITALOCEAN_TOKEN unless given, no terminal unless `isTTY`,
 * and no Docker engine for `apply --target local` unless `localEngine` (whatever this machine runs).
 */
export function testIo(options: { cwd: string; env?: Record<string, string>; isTTY?: boolean; prompter?: Prompter; localEngine?: boolean }): TestIo {
  const out = captureStream(160);
  const err = captureStream(160);
  const stdin = Object.assign(new PassThrough(), { ref: () => stdin, unref: () => stdin, isTTY: options.isTTY ?? false, setRawMode: () => stdin });
  return {
    io: {
      stdout: out.stream,
      stderr: err.stream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      env: { PATH: process.env.PATH, ...options.env },
      isTTY: options.isTTY ?? false,
      cwd: options.cwd,
      ...(options.prompter ? { prompter: options.prompter } : {}),
      localEngine: () => Promise.resolve(options.localEngine ?? false),
    },
    stdout: out.text,
    stderr: err.text,
  };
}
