import { removeFile, writeFile } from '../../commands/files.js';
import type { Shell } from '../../targets/target.js';
import type { ChallengeResponder, PresentedChallenge } from './challenge-responder.js';
import { IssuanceError } from './errors.js';

const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * http-01 the article's way, from another machine: the token file goes into the support server's
 * webroot through that server's shell (SSH), atomically; every proxy replica forwards
 * `/.well-known/acme-challenge/` there.
 */
export class ShellWebrootResponder implements ChallengeResponder {
  readonly type = 'http-01' as const;
  constructor(private readonly shell: Shell, private readonly webroot: string) {}

  private fileOf(token: string): string {
    // The token comes from the CA; never let it choose a path outside the webroot.
    if (!TOKEN.test(token)) throw new IssuanceError(`the CA sent an http-01 token that is not base64url: ${JSON.stringify(token.slice(0, 40))}`);
    return `${this.webroot}/.well-known/acme-challenge/${token}`;
  }

  async present(challenge: PresentedChallenge): Promise<void> {
    for (const command of writeFile(this.fileOf(challenge.token), challenge.keyAuthorization, 0o644)) await this.shell.run(command);
  }

  async remove(challenge: PresentedChallenge): Promise<void> {
    await this.shell.run(removeFile(this.fileOf(challenge.token)));
  }
}
