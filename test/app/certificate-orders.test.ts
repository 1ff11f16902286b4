/**
 * The certificate orders of one deploy (src/app/certificate-orders.ts): the responder starts with the
 * first order only and stops at the end; a failed order fails its step, and the proxy keeps its certificate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CertificateStore } from '../../src/adapters/certificate-store.js';
import { CertificateOrders, type Issuing } from '../../src/app/certificate-orders.js';
import type { CertificateStep } from '../../src/plan/index.js';
import { StepFailed } from '../../src/run/failure.js';
import { emptyState, StateStore } from '../../src/state/index.js';

const order = (domain: string): CertificateStep => ({ kind: 'certificate', op: 'create', id: `certificate:${domain}`, name: domain, domain, altNames: [], reason: 'missing', description: `order ${domain}` });

/** A CA that refuses every order; counts the responder's starts and stops. */
function refusing(): Issuing & { starts: number; stops: number } {
  const issuing = {
    starts: 0,
    stops: 0,
    issuer: async () => ({
      issue: async () => {
        throw new Error('the CA said no');
      },
    }),
    start: async () => {
      issuing.starts += 1;
      return async () => void (issuing.stops += 1);
    },
  };
  return issuing;
}

describe('CertificateOrders', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swz-orders-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const store = () => new StateStore(dir, emptyState('demo'));

  it('a failed order fails its step with the CA\'s words; the responder starts once for all orders and stops on close', async () => {
    const issuing = refusing();
    const orders = new CertificateOrders(issuing, new CertificateStore(dir), store());
    for (const domain of ['a.com', 'b.com']) {
      const error = await orders.issue(order(domain)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StepFailed);
      expect(error).toMatchObject({ stepId: `certificate:${domain}`, reason: { message: `ordering the certificate for ${domain} failed: the CA said no` } });
      expect((error as StepFailed).reason.hint).toContain('The proxy keeps serving the certificate it has.');
    }
    expect(issuing.starts).toBe(1);
    await orders.close();
    expect(issuing.stops).toBe(1);
    expect(orders.issued).toEqual([]);
  });

  it('with no order, nothing starts and close stops nothing', async () => {
    const issuing = refusing();
    await new CertificateOrders(issuing, new CertificateStore(dir), store()).close();
    expect([issuing.starts, issuing.stops]).toEqual([0, 0]);
  });
});
