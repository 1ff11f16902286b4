// Its own module, free of @inquirer: run-cli.ts maps it to an exit code, and every command starts by loading run-cli.

/** The person left a question (Ctrl-C or Ctrl-D at a prompt): the command stops, having changed nothing more. */
export class PromptExited extends Error {
  constructor() {
    super('Cancelled.');
    this.name = 'PromptExited';
  }
}
