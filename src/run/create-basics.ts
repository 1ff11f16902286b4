import type { SshKeyStep, TagStep, VpcStep } from '../plan/index.js';
import { ensureLocalSshKey, SshKeyError } from '../adapters/ssh-key.js';
import { allSettled, runStep, throwIfAborted, type RunContext } from './context.js';
import { StepFailed } from './failure.js';

/** Tags first: firewalls and the load balancer can only target tags that exist. */
export async function createTags(ctx: RunContext, steps: TagStep[]): Promise<void> {
  await allSettled(
    steps.map((step) =>
      runStep(ctx, step.id, `creating tag ${step.name}`, async () => {
        await ctx.cloud.createTag(step.name);
        await ctx.store.update((s) => {
          if (!s.cloud.tags.includes(step.name)) s.cloud.tags.push(step.name);
        });
        return 'created';
      }),
    ),
  );
}

/** Uploads the project's public key, or adopts it when the account already has it. */
export async function createSshKey(ctx: RunContext, step: SshKeyStep): Promise<void> {
  await runStep(ctx, step.id, `adding SSH key ${step.name}`, async () => {
    const publicKey = await ensureLocalSshKey(ctx.dir, step.name).catch((error: unknown) => {
      // Its own hint (restore the key, or chmod it), not the generic "run apply again".
      throw error instanceof SshKeyError ? new StepFailed(step.id, { message: error.problem, hint: error.hint }) : error;
    });
    const keyBody = (key: string) => key.split(/\s+/).slice(0, 2).join(' ');
    const existing = (await ctx.cloud.listSshKeys()).find((k) => keyBody(k.publicKey) === keyBody(publicKey));
    throwIfAborted(ctx);
    const key = existing ?? (await ctx.cloud.createSshKey(step.name, publicKey));
    await ctx.store.update((s) => {
      s.cloud.sshKey = { id: key.id, name: key.name, fingerprint: key.fingerprint };
    });
    return existing ? `found in the account (id ${key.id})` : `added (id ${key.id})`;
  });
}

/** Finds the VPC by name (a crash may have left it unrecorded) or creates it. */
export async function createVpc(ctx: RunContext, step: VpcStep): Promise<void> {
  await runStep(ctx, step.id, `creating VPC ${step.name}`, async () => {
    const existing = (await ctx.cloud.listVpcs()).find((v) => v.name === step.name && v.region === step.region);
    throwIfAborted(ctx);
    const vpc = existing ?? (await ctx.cloud.createVpc({ name: step.name, region: step.region }));
    await ctx.store.update((s) => {
      s.cloud.vpc = { id: vpc.id, name: vpc.name, region: vpc.region };
    });
    return `${existing ? 'found' : 'created'} (${vpc.ipRange})`;
  });
}
