import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { registerAddDomainCommand } from './add-domain.js';
import { registerAlertsCommand } from './alerts.js';
import { registerApplyCommand } from './apply.js';
import { registerBackupCommand } from './backup.js';
import { registerDeployCommand } from './deploy.js';
import { registerLogsCommand } from './logs.js';
import { registerDestroyCommand } from './destroy.js';
import { registerPlanCommand } from './plan.js';
import { registerCertsCommand } from './certs.js';
import { registerRenewCommand } from './renew.js';
import { registerRestoreCommand } from './restore.js';
import { registerSecretCommand } from './secret.js';
import { registerStatusCommand } from './status.js';
import { registerWizardCommand } from './wizard.js';

/** Adds one command to the program. Each command lives in its own file in this folder. */
export type RegisterCommand = (program: Command, io: CliIo) => void;

/**
 * Every swarm-wiz command, in the order `--help` lists them. To add a command: create
 * `commands/<name>.ts` exporting `register<Name>Command(program, io)` and add it here.
 */
export const COMMANDS: readonly RegisterCommand[] = [
  registerWizardCommand,
  registerApplyCommand,
  registerAddDomainCommand,
  registerPlanCommand,
  registerDestroyCommand,
  registerRenewCommand,
  registerDeployCommand,
  registerStatusCommand,
  registerLogsCommand,
  registerSecretCommand,
  registerAlertsCommand,
  registerBackupCommand,
  registerRestoreCommand,
  registerCertsCommand,
];
