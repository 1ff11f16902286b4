import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { planCloud } from '../../src/plan/index.js';
import { initialProgress, progressReducer, type ApplyEvent, type ProgressState } from '../../src/run/index.js';
import { emptyState } from '../../src/state/index.js';
import { ApplyProgressScreen } from '../../screens/apply-progress.js';

const config = parseConfig(SEED_EXAMPLE);
const fold = (events: ApplyEvent[]): ProgressState => events.reduce(progressReducer, initialProgress);
const planned: ApplyEvent = { type: 'planned', steps: planCloud(config, emptyState('demo'), { dnsZones: ['a.com'] }) };

describe('ApplyProgressScreen', () => {
  it('shows a row per resource with spinner, elapsed time and the progress message', () => {
    const progress = fold([
      { type: 'verified', email: 'ops@a.com' },
      planned,
      { type: 'step-started', stepId: 'tag:swarm-wiz:demo', at: 1_000 },
      { type: 'step-done', stepId: 'tag:swarm-wiz:demo', message: 'created', at: 1_500 },
      { type: 'step-started', stepId: 'droplet:demo-worker-1', at: 2_000 },
      { type: 'step-progress', stepId: 'droplet:demo-worker-1', message: 'created (id 7), booting' },
    ]);
    const { lastFrame, unmount } = render(<ApplyProgressScreen project="demo" progress={progress} now={65_000} />);
    const frame = lastFrame()!;
    expect(frame).toContain('Provisioning demo on DigitalOcean (ops@a.com): 1/');
    expect(frame).toMatch(/✔ \+ tag +swarm-wiz:demo +0s created/);
    expect(frame).toMatch(/\+ droplet +demo-worker-1 +1m03s created \(id 7\), booting/);
    expect(frame).toMatch(/· \+ droplet +demo-support/);
    unmount();
  });

  it('shows the failed step with its reason and what to do', () => {
    const progress = fold([
      planned,
      { type: 'step-started', stepId: 'vpc:demo-vpc', at: 0 },
      { type: 'step-failed', stepId: 'vpc:demo-vpc', reason: { message: 'creating VPC demo-vpc: DigitalOcean rejected the request (422): region unavailable', hint: 'Fix the value it names' }, at: 3_000 },
    ]);
    expect(progress.outcome).toBe('failed');
    const { lastFrame, unmount } = render(<ApplyProgressScreen project="demo" progress={progress} now={9_000} />);
    expect(lastFrame()).toMatch(/✘ \+ vpc +demo-vpc +3s\n +creating VPC demo-vpc: DigitalOcean rejected the request \(422\): region unavailable\n +Fix the value it names/);
    unmount();
  });

  it('folds unchanged resources into a count and lists DNS records to create by hand', () => {
    const steps = planCloud(config, emptyState('demo')).map((s) => ({ ...s, op: 'same' as const }));
    const progress = fold([{ type: 'planned', steps }, { type: 'finished', created: 0, updated: 0, deleted: 0, manualDns: ['A a.com → 203.0.113.1'] }]);
    const { lastFrame, unmount } = render(<ApplyProgressScreen project="demo" progress={progress} now={0} />);
    expect(lastFrame()).toContain('0/0 done, 15 unchanged');
    expect(lastFrame()).toContain('Nothing to change');
    expect(lastFrame()).toContain('Create these DNS records at your DNS provider:\n  A a.com → 203.0.113.1');
    unmount();
  });

  it('shows retries and the interruption line', () => {
    const retrying = fold([planned, { type: 'retrying', what: 'POST /v2/droplets', attempt: 2, delayMs: 1500, reason: '429 rate limited' }]);
    const first = render(<ApplyProgressScreen project="demo" progress={retrying} now={0} />);
    expect(first.lastFrame()).toContain('retrying POST /v2/droplets in 1.5s (attempt 2): 429 rate limited');
    first.unmount();
    const running = progressReducer(retrying, { type: 'step-started', stepId: 'vpc:demo-vpc', at: 0 });
    const aborted = progressReducer(running, { type: 'aborted', message: 'Interrupted. Run apply again to resume.' });
    expect(aborted.rows.find((r) => r.id === 'vpc:demo-vpc')!.status).toBe('stopped');
    const second = render(<ApplyProgressScreen project="demo" progress={aborted} now={0} />);
    expect(second.lastFrame()).toContain('Interrupted. Run apply again to resume.');
    expect(second.lastFrame()).not.toContain('retrying');
    expect(second.lastFrame()).toMatch(/■ \+ vpc +demo-vpc/);
    second.unmount();
  });
});
