import { createHash } from 'node:crypto';
import { notFound, paginate, unprocessable, type Route } from './route.js';

/** The MD5 fingerprint DigitalOcean shows for a public key (colon-separated hex). */
function fingerprintOf(publicKey: string): string {
  const blob = Buffer.from(publicKey.trim().split(/\s+/)[1] ?? '', 'base64');
  return createHash('md5').update(blob).digest('hex').replace(/(..)(?!$)/g, '$1:');
}

export const accountRoutes: Route[] = [
  {
    method: 'GET',
    template: '/v2/account',
    operationId: 'account_get',
    handle: ({ state }) => ({
      status: 200,
      body: {
        account: {
          droplet_limit: state.account.droplet_limit,
          floating_ip_limit: 3,
          email: state.account.email,
          uuid: state.account.uuid,
          email_verified: true,
          status: 'active',
          status_message: '',
        },
      },
    }),
  },
  {
    method: 'GET',
    template: '/v2/account/keys',
    operationId: 'sshKeys_list',
    handle: (context) => paginate(context, 'ssh_keys', context.state.sshKeys),
  },
  {
    method: 'POST',
    template: '/v2/account/keys',
    operationId: 'sshKeys_create',
    handle: ({ body, state }) => {
      if (!/^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+/.test(body.public_key)) return unprocessable('Key invalid, key should be of the format `type key [comment]`');
      const fingerprint = fingerprintOf(body.public_key);
      if (state.sshKeys.some((key) => key.fingerprint === fingerprint)) return unprocessable('SSH Key is already in use on your account');
      const key = { id: state.nextId(), fingerprint, public_key: body.public_key, name: body.name };
      state.sshKeys.push(key);
      return { status: 201, body: { ssh_key: key } };
    },
  },
  {
    method: 'GET',
    template: '/v2/account/keys/{ssh_key_identifier}',
    operationId: 'sshKeys_get',
    handle: ({ params, state }) => {
      const key = state.sshKeys.find((candidate) => String(candidate.id) === params.ssh_key_identifier || candidate.fingerprint === params.ssh_key_identifier);
      return key ? { status: 200, body: { ssh_key: key } } : notFound();
    },
  },
  {
    method: 'DELETE',
    template: '/v2/account/keys/{ssh_key_identifier}',
    operationId: 'sshKeys_delete',
    handle: ({ params, state }) => {
      const before = state.sshKeys.length;
      state.sshKeys = state.sshKeys.filter((candidate) => !(String(candidate.id) === params.ssh_key_identifier || candidate.fingerprint === params.ssh_key_identifier));
      return state.sshKeys.length < before ? { status: 204 } : notFound();
    },
  },
];
