import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../config/fs-atomic.js';
import type { ChallengeResponder, PresentedChallenge } from './challenge-responder.js';
import { IssuanceError } from './errors.js';

const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * http-01 the seed's way: the token file goes into the support server's webroot, which every proxy
 * replica forwards `/.well-known/acme-challenge/` to. This one writes to a local directory — right
 * when `swarm-wiz renew` runs on the support server (its cron) or with `--target local`.
 */
export class WebrootResponder implements ChallengeResponder {
  readonly type = 'http-01' as const;
  constructor(private readonly webroot: string) {}

  private fileOf(token: string): string {
    // The token comes from the CA; never let it choose a path outside the webroot.
    if (!TOKEN.test(token)) throw new IssuanceError(`the CA sent an http-01 token that is not base64url: ${JSON.stringify(token.slice(0, 40))}`);
    return join(this.webroot, '.well-known', 'acme-challenge', token);
  }

  async present(challenge: PresentedChallenge): Promise<void> {
    const file = this.fileOf(challenge.token);
    await mkdir(join(this.webroot, '.well-known', 'acme-challenge'), { recursive: true });
    await writeFileAtomic(file, challenge.keyAuthorization, 0o644);
  }

  async remove(challenge: PresentedChallenge): Promise<void> {
    await rm(this.fileOf(challenge.token), { force: true });
  }
}
