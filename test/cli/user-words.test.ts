import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/run-cli.js';
import { renderProjectFiles } from '../../recipes/index.js';
import { parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';
import { testIo } from './test-io.js';

/**
 * Words users see: never our internal "seed" (users know the article, not our name for it). Every
 * string a user can be shown comes from a string literal, a template or JSX text in src/, recipes/ or
 * screens/, so those are read with the TypeScript parser (comments and identifiers such as
 * SEED_EXAMPLE are not shown to anyone); the help of every command and every generated file are
 * checked as shown too.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const INTERNAL = /\bseeds?\b|seed's/i;

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && /\.tsx?$/.test(e.name)).map((e) => join(e.parentPath, e.name));
}

function shownTexts(file: string, text: string): { where: string; text: string }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: { where: string; text: string }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node) || ts.isJsxText(node)) {
      // Module specifiers are paths, not words.
      if (!(ts.isImportDeclaration(node.parent) || ts.isExportDeclaration(node.parent) || (ts.isCallExpression(node.parent) && node.parent.expression.kind === ts.SyntaxKind.ImportKeyword))) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        found.push({ where: `${relative(ROOT, file)}:${line + 1}`, text: node.text });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('no user-visible text says "seed"', () => {
  it('string literals, templates and JSX text in src/, recipes/ and screens/', async () => {
    const files = [...(await sources('src')), ...(await sources('recipes')), ...(await sources('screens'))];
    expect(files.length).toBeGreaterThan(100);
    const hits: string[] = [];
    let strings = 0;
    for (const file of files) {
      for (const { where, text } of shownTexts(file, await readFile(file, 'utf8'))) {
        strings += 1;
        if (INTERNAL.test(text)) hits.push(`${where}: ${text}`);
      }
    }
    expect(strings).toBeGreaterThan(1000);
    expect(hits).toEqual([]);
  });

  it('the search finds the word when it is there (in a literal, not in a comment)', () => {
    const texts = shownTexts('x.ts', "// the seed's way\nconst a = 'as the seed says';\nconst b = `${a} seeds`;").map((t) => t.text);
    expect(texts.filter((t) => INTERNAL.test(t))).toEqual(['as the seed says', ' seeds']);
  });

  it('the help of every command, and every generated file of the example', () => {
    const program = buildProgram(testIo({ cwd: ROOT }).io);
    const helps = [program.helpInformation(), ...program.commands.map((command) => command.helpInformation())];
    for (const help of helps) expect(help).not.toMatch(INTERNAL);
    for (const file of renderProjectFiles(parseConfig(SEED_EXAMPLE))) expect(`${file.path}: ${file.content}`).not.toMatch(INTERNAL);
  });
});
