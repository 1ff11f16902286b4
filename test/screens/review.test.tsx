import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { ReviewScreen } from '../../screens/review.js';
import { flat, seedScreenData } from './seed-data.js';

describe('ReviewScreen', () => {
  const { config, files, steps } = seedScreenData();

  it("lists every file of the seed's project with its mode and purpose, and every cloud step", () => {
    const { lastFrame } = render(<ReviewScreen project={config.project} dir="/tmp/demo" files={files} steps={steps} planOnly />);
    const text = flat(lastFrame());
    expect(text).toContain('Review: project demo');
    expect(text).toContain(`Files to write in /tmp/demo (${files.length})`);
    for (const file of files) {
      expect(text).toContain(file.path);
      expect(text).toContain(flat(file.description));
      expect(text).toContain(`0${file.mode.toString(8)}`);
    }
    expect(text).toContain('plan-only: nothing is created');
    for (const step of steps) expect(text).toContain(flat(step.description));
    for (const name of ['demo-manager-1', 'demo-worker-3', 'demo-support', 'demo-vpc']) expect(text).toContain(name);
    const creates = steps.filter((s) => s.op === 'create' && s.kind !== 'manual-dns').length;
    expect((lastFrame() ?? '').match(/\+ create/g)?.length).toBe(creates);
    expect((lastFrame() ?? '').match(/! by hand/g)?.length).toBe(steps.filter((s) => s.kind === 'manual-dns').length);
  });

  it('says what apply will do when it is not plan-only, marks updates and deletes, and only counts unchanged resources', () => {
    const changed = steps.map((step, i) => ({ ...step, op: i === 0 ? ('update' as const) : i === 1 ? ('delete' as const) : ('same' as const) }));
    const { lastFrame } = render(<ReviewScreen project="demo" dir="/srv/demo" files={files} steps={changed} planOnly={false} />);
    const text = flat(lastFrame());
    expect(text).toContain('DigitalOcean: what apply will do');
    expect(text).not.toContain('plan-only');
    expect(text).toContain(`~ update ${changed[0]?.kind}`);
    expect(text).toContain(`- delete ${changed[1]?.kind}`);
    const manual = changed.filter((s) => s.kind === 'manual-dns');
    expect(manual.length).toBe(3);
    expect(text).toContain(`(${changed.length - 2 - manual.length} unchanged)`);
    for (const step of manual) expect(text).toContain(flat(step.description));
    expect(text).not.toContain(flat(changed[5]?.description));
  });

  it('says so when the cloud already matches', () => {
    const same = steps.filter((s) => s.kind !== 'manual-dns').map((step) => ({ ...step, op: 'same' as const }));
    const { lastFrame } = render(<ReviewScreen project="demo" dir="/srv/demo" files={files} steps={same} planOnly={false} />);
    expect(flat(lastFrame())).toContain('No changes: the cloud already matches swarm-wiz.yaml.');
  });
});
