import { describe, expect, it } from 'vitest';
import { withinMs } from '../../src/app/within.js';

describe('withinMs', () => {
  const never = new Promise<string>(() => undefined);

  it('gives the promise when it settles first', async () => {
    expect(await withinMs(Promise.resolve('answer'), 1000, () => 'late')).toBe('answer');
    await expect(withinMs(Promise.reject(new Error('refused')), 1000, () => 'late')).rejects.toThrow('refused');
  });

  it("gives late()'s value, or rejects with what it throws, once the limit passes first", async () => {
    expect(await withinMs(never, 20, () => 'late')).toBe('late');
    await expect(
      withinMs(never, 20, () => {
        throw new Error('no DNS answer within 0.02 s');
      }),
    ).rejects.toThrow('no DNS answer within 0.02 s');
  });
});
