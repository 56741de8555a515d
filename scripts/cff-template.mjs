#!/usr/bin/env node
// Renders the SAM template for the CloudFront Functions guard: a template (template.yaml, or the
// guard-only template-guard.yaml) with the code that `edgeguard cff` generated in place of the
// GuardCloudFrontFunction code (the one generated from guard.toml), GuardRuntime defaulting to
// cloudfront-functions, and the build paths (CodeUri, ContextPath, WorkingDirectory) pointing back
// at the repository, since the output lives elsewhere (build/cff/).
// Usage: node scripts/cff-template.mjs TEMPLATE GUARD.js OUT.yaml
//        node scripts/cff-template.mjs --refresh template.yaml GUARD.js   (update the checked-in code)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, posix, relative, resolve } from 'node:path';

/** The template with `code` as the body of its `FunctionCode: |` block, nothing else changed. */
export function withFunctionCode(template, code) {
  const lines = template.split('\n');
  const at = lines.findIndex((l) => /^ {6}FunctionCode: \|$/.test(l));
  if (at < 0) throw new Error('template has no `      FunctionCode: |` block to fill');
  let end = at + 1;
  while (end < lines.length && (lines[end].startsWith('        ') || lines[end] === '')) end++;
  while (end > at + 1 && lines[end - 1] === '') end--;
  const body = code.replace(/\n$/, '').split('\n').map((l) => `        ${l}`);
  return [...lines.slice(0, at + 1), ...body, ...lines.slice(end)].join('\n');
}

/** The template with `code` as its CloudFront Function; `root` is the template's directory seen from the output's. */
export function render(template, code, root) {
  return withFunctionCode(template, code)
    .replace(/^( {4}Default: )lambda-edge$/m, '$1cloudfront-functions')
    .replace(/^( {6}(?:CodeUri|ContextPath|WorkingDirectory): )(\S+)$/gm, (_, key, path) => `${key}${posix.join(root, path)}`);
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === '--refresh') {
  // `--refresh TEMPLATE GUARD.js`: the checked-in template gets the freshly generated code, and
  // keeps its default runtime and CodeUri (make refresh-template).
  const [templatePath, codePath] = process.argv.slice(3);
  writeFileSync(templatePath, withFunctionCode(readFileSync(templatePath, 'utf8'), readFileSync(codePath, 'utf8')));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const [templatePath, codePath, outPath] = process.argv.slice(2);
  if (!outPath) {
    console.error('usage: node scripts/cff-template.mjs TEMPLATE GUARD.js OUT.yaml');
    process.exit(2);
  }
  const root = relative(dirname(resolve(outPath)), dirname(resolve(templatePath))) || '.';
  writeFileSync(outPath, render(readFileSync(templatePath, 'utf8'), readFileSync(codePath, 'utf8'), root));
  console.error(`${outPath}: GuardCloudFrontFunction from ${codePath}; deploy with sam build --build-in-source -t ${outPath}`);
}
