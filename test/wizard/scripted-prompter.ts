import type { Choice, Prompter, Validate } from '../../src/wizard/prompter.js';

/** One scripted answer: the question it expects (a substring or pattern of its message) and what the person types. */
export interface ScriptedAnswer {
  expect: string | RegExp;
  /** `ENTER` accepts the prompt's default, as pressing Enter would. */
  answer: string | number | boolean | typeof ENTER;
}

export const ENTER = Symbol('enter');

export interface AskedQuestion {
  kind: 'input' | 'password' | 'select' | 'confirm';
  message: string;
  /** For a select: every choice with why it is disabled (if it is). */
  choices?: { value: string | number; disabled: boolean | string }[];
  /** For a select: each choice's text as the list shows it, in order. */
  choiceNames?: string[];
  /** The validator's message when the answer was refused and the question asked again. */
  rejected?: string;
}

/**
 * A Prompter that plays a script like a person at the terminal would: a refused answer (the
 * validator returned a message) is recorded and the same question is asked again with the next
 * scripted answer; a disabled choice cannot be picked. Throws when the script and the questions
 * disagree, so a test fails at the first unexpected question.
 */
export function scriptedPrompter(script: readonly ScriptedAnswer[]): { prompter: Prompter; asked: AskedQuestion[]; remaining: () => number } {
  const queue = [...script];
  const asked: AskedQuestion[] = [];

  const next = (kind: AskedQuestion['kind'], message: string): ScriptedAnswer => {
    const entry = queue.shift();
    if (!entry) throw new Error(`script ran out at ${kind} question ${JSON.stringify(message)}`);
    const matches = typeof entry.expect === 'string' ? message.includes(entry.expect) : entry.expect.test(message);
    if (!matches) throw new Error(`expected a question matching ${String(entry.expect)}, got ${kind} ${JSON.stringify(message)}`);
    return entry;
  };

  const text = async (kind: 'input' | 'password', question: { message: string; default?: string; validate?: Validate }): Promise<string> => {
    for (;;) {
      const entry = next(kind, question.message);
      const answer = entry.answer === ENTER ? (question.default ?? '') : String(entry.answer);
      const verdict = question.validate ? question.validate(answer) : true;
      if (verdict === true) {
        asked.push({ kind, message: question.message });
        return answer;
      }
      asked.push({ kind, message: question.message, rejected: verdict });
    }
  };

  const prompter: Prompter = {
    input: (question) => text('input', question),
    password: (question) => text('password', question),
    async select<V extends string | number>(question: { message: string; choices: readonly Choice<V>[]; default?: V }): Promise<V> {
      const entry = next('select', question.message);
      const choices = question.choices.map((choice) => ({ value: choice.value, disabled: choice.disabled ?? false }));
      asked.push({ kind: 'select', message: question.message, choices, choiceNames: question.choices.map((choice) => choice.name) });
      const wanted = entry.answer === ENTER ? (question.default ?? question.choices[0]?.value) : entry.answer;
      const choice = question.choices.find((c) => c.value === wanted);
      if (!choice) throw new Error(`${String(wanted)} is not a choice of ${JSON.stringify(question.message)}`);
      if (choice.disabled) throw new Error(`${String(wanted)} is disabled in ${JSON.stringify(question.message)}: ${String(choice.disabled)}`);
      return choice.value;
    },
    async confirm(question) {
      const entry = next('confirm', question.message);
      asked.push({ kind: 'confirm', message: question.message });
      if (entry.answer === ENTER) return question.default ?? false;
      if (typeof entry.answer !== 'boolean') throw new Error(`confirm ${JSON.stringify(question.message)} needs a boolean answer`);
      return entry.answer;
    },
  };
  return { prompter, asked, remaining: () => queue.length };
}
