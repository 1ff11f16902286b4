import type { CertificateStore } from '../adapters/certificate-store.js';
import type { CertificateMeta } from '../adapters/certificate-metadata.js';
import { renewSites, type CertificateIssuer } from '../certs/renew-sites.js';
import type { CertificateStep } from '../plan/index.js';
import { StepFailed } from '../run/failure.js';
import { stateAttemptLog, type StateStore } from '../state/index.js';

/** How certificates are ordered for this run; built by the caller (it knows the CA, the trust and the responder). */
export interface Issuing {
  /** The ACME engine, made on first use (no CA is contacted when nothing is due). */
  issuer(): Promise<CertificateIssuer>;
  /** Started before the first order and stopped at the end of the run (the local webroot server). */
  start?(): Promise<() => Promise<void>>;
}

/**
 * The certificate orders of one deploy: the responder starts with the first order (by then the swarm
 * runs) and stops with close(); `issued` lists the sites ordered.
 */
export class CertificateOrders {
  /** Sites whose certificate was ordered in this run. */
  readonly issued: string[] = [];
  private started: Promise<void> | undefined;
  private stop: (() => Promise<void>) | undefined;

  constructor(
    private readonly issuing: Issuing,
    private readonly certs: CertificateStore,
    private readonly store: StateStore,
  ) {}

  /** Orders one certificate and stores it; the served one is replaced only by the rollout that follows. */
  async issue(step: CertificateStep): Promise<CertificateMeta> {
    this.started ??= this.startResponder();
    await this.started;
    const issuer = await this.issuing.issuer();
    const [result] = await renewSites({ sites: [{ domain: step.domain, altNames: step.altNames }], store: this.certs, issuer, force: step.reason === 'forced', attempts: stateAttemptLog(this.store) });
    if (result?.outcome === 'renewed') {
      this.issued.push(step.domain);
      return result.meta;
    }
    if (result?.outcome === 'failed') {
      const retry = result.error.retryAfter ? ` The CA asks to wait until ${result.error.retryAfter.toISOString()}.` : '';
      throw new StepFailed(step.id, { message: `ordering the certificate for ${step.domain} failed: ${result.error.message}`, hint: `The proxy keeps serving the certificate it has.${retry} Fix the cause and run apply (or renew) again.` });
    }
    const meta = await this.certs.readMeta(step.domain);
    if (!meta) throw new StepFailed(step.id, { message: `no certificate stored for ${step.domain}`, hint: 'Run apply again.' });
    return meta;
  }

  /** Stops the responder if an order started it (a start that failed has nothing to stop). */
  async close(): Promise<void> {
    await this.started?.catch(() => undefined);
    await this.stop?.();
  }

  private async startResponder(): Promise<void> {
    if (this.issuing.start) this.stop = await this.issuing.start();
  }
}
