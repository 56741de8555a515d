#!/usr/bin/env node
// Renders the SAM template for the CloudFront Functions guard: template.yaml with the code that
// `edgeguard cff` generated in place of the GuardCloudFrontFunction code (the one generated from guard.toml), GuardRuntime defaulting to
// cloudfront-functions, and CodeUri pointing back at the repository (the output lives in build/cff/).
// Usage: node scripts/cff-template.mjs TEMPLATE GUARD.js OUT.yaml
//        node scripts/cff-template.mjs --refresh template.yaml GUARD.js   (update the checked-in code)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

// Replaces the body of the `FunctionCode: |` block with `code`, nothing else.
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

export function render(template, code, codeUri) {
  return withFunctionCode(template, code)
    .replace(/^( {4}Default: )lambda-edge$/m, '$1cloudfront-functions')
    .replace(/^( {6}CodeUri: )\.$/m, `$1${codeUri}`);
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
  const codeUri = relative(dirname(resolve(outPath)), dirname(resolve(templatePath))) || '.';
  writeFileSync(outPath, render(readFileSync(templatePath, 'utf8'), readFileSync(codePath, 'utf8'), codeUri));
  console.error(`${outPath}: GuardCloudFrontFunction from ${codePath}; deploy with sam build --build-in-source -t ${outPath}`);
}
