import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { runCli } from '../../src/cli/run-cli.js';
import { SEED_EXAMPLE } from '../../src/config/index.js';
import { REVIEW_CASES, type Doc } from './hostile-review.js';
import { testIo } from './test-io.js';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe('the hostile review\'s cases (issue 17): exit 2, one `key.path: reason`, nothing written', () => {
  for (const review of REVIEW_CASES) {
    it(review.name, async () => {
      const root = await mkdtemp(join(tmpdir(), 'swarm-wiz-review-'));
      const doc = structuredClone(SEED_EXAMPLE) as unknown as Doc;
      review.change?.(doc);
      const configPath = join(root, 'swarm-wiz.yaml');
      await writeFile(configPath, review.raw ?? YAML.stringify(doc));
      const args = review.args.map((arg) => (arg === 'CONFIG' ? configPath : arg === 'OUT' ? join(root, 'out') : arg));
      const { io, stdout, stderr } = testIo({ cwd: root });
      const code = await runCli(args, io);
      const output = stdout() + stderr();
      expect(code, output).toBe(2);
      const lines = output.split('\n').filter((line) => new RegExp(`^\\s*${escape(review.path)}: `).test(line));
      expect(lines, output).toHaveLength(1);
      expect(lines[0]).toMatch(review.reason);
      for (const text of review.never ?? []) expect(output).not.toContain(text);
      expect(output).not.toMatch(CONTROL);
      expect(await readdir(root)).toEqual(['swarm-wiz.yaml']);
    });
  }
});
