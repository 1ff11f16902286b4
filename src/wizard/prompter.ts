import { ExitPromptError } from '@inquirer/core';
import { confirm, input, password, select } from '@inquirer/prompts';
import { PromptExited } from './prompt-exited.js';

export { PromptExited };

/** Returns true when the answer is acceptable, else the message to show before asking again. */
export type Validate = (answer: string) => true | string;

export interface Choice<V> {
  value: V;
  name: string;
  /** Shown under the list while this choice is highlighted. */
  description?: string;
  /** Shown as the answer once chosen (default: name). */
  short?: string;
  /** A string says why it cannot be chosen. */
  disabled?: boolean | string;
}

/**
 * The questions the wizard can ask. The real one is @inquirer/prompts on the terminal; tests pass
 * a scripted one. Every prompt that takes text also takes the validator, so a bad answer is asked
 * again with the reason, exactly as in the terminal.
 */
export interface Prompter {
  input(question: { message: string; default?: string; validate?: Validate }): Promise<string>;
  password(question: { message: string; validate?: Validate }): Promise<string>;
  select<V extends string | number>(question: { message: string; choices: readonly Choice<V>[]; default?: V }): Promise<V>;
  confirm(question: { message: string; default?: boolean }): Promise<boolean>;
}

/** A prompt's answer; leaving it is PromptExited. */
async function answer<T>(asked: Promise<T>): Promise<T> {
  try {
    return await asked;
  } catch (error) {
    if (error instanceof ExitPromptError) throw new PromptExited();
    throw error;
  }
}

/** @inquirer/prompts reading `input` and drawing on `output`. */
export function inquirerPrompter(streams: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream }): Prompter {
  const context = { input: streams.input, output: streams.output };
  return {
    input: (question) => answer(input(question, context)),
    password: (question) => answer(password({ ...question, mask: '*' }, context)),
    select: (question) => answer(select({ ...question, choices: [...question.choices], pageSize: 12 }, context)),
    confirm: (question) => answer(confirm(question, context)),
  };
}
