// L4: no words for a Discord user outside the catalogue. Every string literal in
// the Discord layer (src/discord, commands/) and in the jobs layer (src/jobs, which
// raises codes) is read with the TypeScript parser; one that looks like words for
// a person (whitespace between words, a capitalised word, Chinese) fails this test,
// unless it is a log line or an error's own message for the log, or a line says
// `i18n-ignore` for a deliberate exception. Catalogue keys, identifiers, MIME types,
// custom ids, emoji and Markdown pass; product names (ComfyUI, PyTorch, …) are no words.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/recordings.ts';

const SCANNED = ['src/discord', 'commands', 'src/jobs'];
/** The catalogues and the code that formats them are where the words are meant to be. */
const SKIPPED = ['src/discord/i18n/'];
/** Names of things, written the same in every language. */
const PROPER_NAMES = /\b(ComfyUI|PyTorch|Discord|JPEG|PNG|WEBP|LoRA|CFG|HTTP|VRAM|UTC|KB|MB|GB|TB)\b/g;

const SQL = /^\s*(CREATE|SELECT|INSERT|UPDATE|DELETE|ALTER|DROP|WITH)\b/;

interface Finding {
  file: string;
  line: number;
  text: string;
}

/** Whether a literal's text (placeholders as `${}`) reads as words for a person. */
function looksLikeWords(text: string): boolean {
  const rest = text
    .replace(/\$\{\}/g, ' ')
    .replace(/<(t|@|#|@&):[^>]*>|<[@#]&?\$?[^>]*>/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(PROPER_NAMES, ' ');
  if (/[\u3400-\u9fff]/.test(rest)) return true;
  if (SQL.test(text)) return false;
  if (!/\p{L}{2,}/u.test(rest)) return false;
  const trimmed = text.trim();
  // Words for a person have spaces between them, or are one capitalised word ("Cancel", "Seed").
  return /\s/.test(trimmed) || /^[A-Z][a-z]+[.!?:]?$/.test(trimmed);
}

/** Literals in positions that never reach Discord: log lines, error messages for the log, types, imports. */
function exempt(node: ts.Node, source: ts.SourceFile): boolean {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isLiteralTypeNode(n) || ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) return true;
    if (ts.isThrowStatement(n)) return true;
    if (ts.isNewExpression(n) && /Error$/.test(n.expression.getText(source))) return true;
    if (ts.isCallExpression(n)) {
      const callee = n.expression.getText(source);
      if (n.expression.kind === ts.SyntaxKind.SuperKeyword) return true;
      if (/(^|\.)log\w*(\(\))?\.(debug|info|warn|error|child)$/.test(callee) || /^log\.(debug|info|warn|error)$/.test(callee)) return true;
      // SQL for the ledger's database.
      if (/(^|\.)(pragma|prepare|exec|statement)$/.test(callee)) return true;
    }
    if (ts.isBlock(n) || ts.isSourceFile(n)) break;
  }
  return false;
}

function scan(file: string, text: string): Finding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lines = text.split('\n');
  const findings: Finding[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) {
      const literal = ts.isTemplateExpression(node) ? [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join('${}') : node.text;
      const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const ignored = /i18n-ignore/.test(lines[line] ?? '') || /i18n-ignore/.test(lines[line - 1] ?? '');
      if (looksLikeWords(literal) && !ignored && !exempt(node, source)) findings.push({ file, line: line + 1, text: literal });
      if (!ts.isTemplateExpression(node)) return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

describe('words for Discord users come from the catalogue', () => {
  it('no string literal in src/discord, commands/ or src/jobs reads as words for a person', () => {
    const findings = SCANNED.flatMap((dir) => tsFiles(join(REPO_ROOT, dir)))
      .map((path) => relative(REPO_ROOT, path).split('\\').join('/'))
      .filter((file) => !SKIPPED.some((skip) => file.startsWith(skip)))
      .flatMap((file) => scan(file, readFileSync(join(REPO_ROOT, file), 'utf8')));
    expect(findings.map((f) => `${f.file}:${f.line} ${JSON.stringify(f.text)}`)).toEqual([]);
  });

  it('the scan finds words where they would slip in, and lets keys, ids, markup and logs through', () => {
    const code = `
      await interaction.reply({ content: '⚠️ This job is no longer known to the bot.' });
      new ButtonBuilder().setLabel('Cancel');
      lines.push(\`**\${b.name}**: unreachable\`);
      const zh = '取消';
      embed.footer = { text: \`job \${job.id}\` };
      log.info('job refused', { reason });
      ctx.log.warn('could not show the error');
      throw new Error('commands/x.ts does not export "command"');
      tr.t('button.cancel'); customId('cancel', id); const t = 'image/png'; const u = \`attachment://\${name}\`;
      const m = \`\${icon} \\\`\${id}\\\` — \${text} · <t:\${at}:R>\`; lines.push(\`ComfyUI \${v} · PyTorch \${p}\`);
      const deliberate = 'Ok then'; // i18n-ignore
    `;
    expect(scan('sample.ts', code).map((f) => f.text)).toEqual([
      '⚠️ This job is no longer known to the bot.',
      'Cancel',
      '**${}**: unreachable',
      '取消',
      'job ${}',
    ]);
  });
});
