import { relativeName, zoneOf } from '../../config/domain-name.js';
import type { CloudApi } from '../digitalocean/cloud-api.js';
import { dnsChallengeName, type ChallengeResponder, type PresentedChallenge } from './challenge-responder.js';
import { IssuanceError } from './errors.js';

/** DigitalOcean's smallest TTL: resolvers drop the record soon after it is removed. */
const TXT_TTL = 30;

/**
 * dns-01 through DigitalOcean DNS: a TXT record `_acme-challenge.<name>` in the zone that holds
 * the name, removed again afterwards (by the id DigitalOcean returned, never by name).
 */
export class DigitalOceanDnsResponder implements ChallengeResponder {
  readonly type = 'dns-01' as const;
  private readonly created = new Map<string, { zone: string; id: number }>();
  private zones: Promise<string[]> | undefined;

  constructor(private readonly api: Pick<CloudApi, 'listDomains' | 'createDomainRecord' | 'deleteDomainRecord'>) {}

  /** The DigitalOcean domain (zone) that holds `name`: the longest one it ends with. */
  async zoneOf(name: string): Promise<string> {
    this.zones ??= this.api.listDomains();
    const zones = await this.zones.catch((error: unknown) => {
      this.zones = undefined;
      throw error;
    });
    const match = zoneOf(name, zones);
    if (!match) {
      throw new IssuanceError(`dns-01 for ${name}: no DigitalOcean domain holds it (the account has: ${zones.join(', ') || 'none'}); add the domain in DigitalOcean DNS or use http-01`);
    }
    return match;
  }

  private key(challenge: PresentedChallenge): string {
    return `${challenge.identifier} ${challenge.keyAuthorization}`;
  }

  async present(challenge: PresentedChallenge): Promise<void> {
    const fqdn = dnsChallengeName(challenge.identifier);
    const zone = await this.zoneOf(fqdn);
    const record = await this.api.createDomainRecord(zone, { type: 'TXT', name: relativeName(fqdn, zone), data: challenge.keyAuthorization, ttl: TXT_TTL });
    this.created.set(this.key(challenge), { zone, id: record.id });
  }

  async remove(challenge: PresentedChallenge): Promise<void> {
    const record = this.created.get(this.key(challenge));
    if (!record) return;
    await this.api.deleteDomainRecord(record.zone, record.id);
    this.created.delete(this.key(challenge));
  }
}
