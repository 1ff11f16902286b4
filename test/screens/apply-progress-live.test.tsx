import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { planCloud } from '../../src/plan/index.js';
import type { ApplyEvent } from '../../src/run/index.js';
import { emptyState } from '../../src/state/index.js';
import { showProgress } from '../../screens/apply-progress-live.js';

const steps = planCloud(parseConfig(SEED_EXAMPLE), emptyState('demo'));
const events: ApplyEvent[] = [
  { type: 'verified', email: 'owner@example.com' },
  { type: 'planned', steps },
  { type: 'step-started', stepId: 'vpc:demo-vpc', at: 1_000 },
  { type: 'retrying', what: 'POST /v2/vpcs', attempt: 1, delayMs: 2_000, reason: 'HTTP 429 (rate-limited)' },
  { type: 'step-done', stepId: 'vpc:demo-vpc', message: 'created (10.110.0.0/20)', at: 4_000 },
  { type: 'step-started', stepId: 'droplet:demo-support', at: 4_000 },
  { type: 'step-failed', stepId: 'droplet:demo-support', reason: { message: 'creating demo-support failed: HTTP 422', hint: 'What to do: fix the size.' }, at: 5_000 },
];

function output(mode: 'lines' | 'json'): string {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const live = showProgress(mode, 'demo', stream as unknown as NodeJS.WriteStream);
  for (const event of events) live.onEvent(event);
  live.finish();
  expect(live.state.outcome).toBe('failed');
  return text;
}

describe('showProgress without a terminal', () => {
  it('prints a line per finished, failed or retried step', () => {
    expect(output('lines')).toBe(
      [
        'DigitalOcean account: owner@example.com',
        '  ↻ POST /v2/vpcs: HTTP 429 (rate-limited); retrying in 2.0s (attempt 1)',
        '  ✔ vpc demo-vpc: created (10.110.0.0/20) (3s)',
        '  ✘ droplet demo-support: creating demo-support failed: HTTP 422',
        '    What to do: fix the size.',
        '',
      ].join('\n'),
    );
  });

  it('with --json prints every event as one JSON line', () => {
    const lines = output('json').trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as ApplyEvent).type)).toEqual(events.map((e) => e.type));
  });

  it("prints a deploy step's warning once, as the deploy starts (a cloud step's warning is the plan's to show)", () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const live = showProgress('lines', 'demo', stream as unknown as NodeJS.WriteStream);
    const gone = 'the swarm demo ran in (cluster c1) is gone: none of its managers is left';
    const init = { kind: 'swarm', action: 'init', op: 'create', id: 'swarm:init:demo-manager-1', name: 'demo-manager-1', node: 'demo-manager-1', description: 'docker swarm init', warning: gone } as const;
    const cloudWarning = { ...steps[0]!, warning: 'region cannot change' };
    live.onEvent({ type: 'planned', steps: [cloudWarning] });
    live.onEvent({ type: 'planned', steps: [init, { ...init, id: 'swarm:init:again' }], append: true });
    expect(text).toBe(`  ! ${gone}\n`);
    expect(live.state.warnings).toEqual([gone]);
  });
});
