import { describe, expect, it } from 'vitest';
import type { ChallTestSrv } from '../peers/pebble.js';
import { dnsPublisher } from './dns-publisher.js';
import { createFakeState, type ApiDomainRecord, type FakeState } from './state.js';

/** challtestsrv as a table of TXT/A answers, with every call logged and a delay so calls can overlap. */
function recordingChalltestsrv() {
  const txt = new Map<string, string[]>();
  const a = new Map<string, string[]>();
  const calls: string[] = [];
  let active = 0;
  let overlapped = false;
  const step = async (call: string, change: () => void) => {
    active += 1;
    if (active > 1) overlapped = true;
    calls.push(call);
    await new Promise((resolve) => setTimeout(resolve, 2));
    change();
    active -= 1;
  };
  const srv: ChallTestSrv = {
    setTxt: (host, value) => step(`set-txt ${host}`, () => txt.set(host, [...(txt.get(host) ?? []), value])),
    clearTxt: (host) => step(`clear-txt ${host}`, () => txt.delete(host)),
    addA: (host, addresses) => step(`add-a ${host}`, () => a.set(host, addresses)),
    clearA: (host) => step(`clear-a ${host}`, () => a.delete(host)),
    addAaaa: async () => undefined,
    clearAaaa: async () => undefined,
  };
  return { srv, txt, a, calls, overlapped: () => overlapped };
}

function record(state: FakeState, type: string, name: string, data: string): ApiDomainRecord {
  return { id: state.nextId(), type, name, data, priority: null, port: null, ttl: 30, weight: null, flags: null, tag: null };
}

describe('dnsPublisher', () => {
  it('never clears a host whose records did not change, even while other changes overlap', async () => {
    const state = createFakeState();
    const peer = recordingChalltestsrv();
    const publish = dnsPublisher(peer.srv, { types: ['TXT'] });
    const zones = ['a.test', 'b.test', 'c.test'];
    for (const zone of zones) state.domainRecords.set(zone, [record(state, 'TXT', '_acme-challenge', `token-${zone}`)]);
    await publish(state);
    expect(peer.txt.get('_acme-challenge.c.test')).toEqual(['token-c.test']);
    peer.calls.length = 0;

    // a.test's order is done and its record deleted while b.test's is replaced: two requests at once.
    state.domainRecords.set('a.test', []);
    const first = publish(state);
    state.domainRecords.set('b.test', [record(state, 'TXT', '_acme-challenge', 'token-b2')]);
    const second = publish(state);
    await Promise.all([first, second]);

    expect(peer.overlapped()).toBe(false);
    expect(peer.calls.filter((call) => call.endsWith('c.test'))).toEqual([]);
    expect([...peer.txt.keys()]).not.toContain('_acme-challenge.a.test');
    expect(peer.txt.get('_acme-challenge.b.test')).toEqual(['token-b2']);
    expect(peer.txt.get('_acme-challenge.c.test')).toEqual(['token-c.test']);
  });

  it('publishes A records for apex and names, and only the types asked for', async () => {
    const state = createFakeState();
    const peer = recordingChalltestsrv();
    state.domainRecords.set('a.test', [record(state, 'A', '@', '10.0.0.1'), record(state, 'A', 'www', '10.0.0.1'), record(state, 'TXT', '_acme-challenge', 'x')]);
    await dnsPublisher(peer.srv)(state);
    expect(peer.a.get('a.test')).toEqual(['10.0.0.1']);
    expect(peer.a.get('www.a.test')).toEqual(['10.0.0.1']);
    expect(peer.txt.get('_acme-challenge.a.test')).toEqual(['x']);

    const txtOnly = recordingChalltestsrv();
    await dnsPublisher(txtOnly.srv, { types: ['TXT'] })(state);
    expect(txtOnly.a.size).toBe(0);
  });

  it('a failed call does not stop later changes from being published', async () => {
    const state = createFakeState();
    const peer = recordingChalltestsrv();
    let fail = true;
    const flaky: ChallTestSrv = { ...peer.srv, setTxt: (host, value) => (fail ? Promise.reject(new Error('down')) : peer.srv.setTxt(host, value)) };
    const publish = dnsPublisher(flaky, { types: ['TXT'] });
    state.domainRecords.set('a.test', [record(state, 'TXT', '_acme-challenge', 'one')]);
    await expect(publish(state)).rejects.toThrow('down');
    fail = false;
    await publish(state);
    expect(peer.txt.get('_acme-challenge.a.test')).toEqual(['one']);
  });
});
