// The SAM template offers the CloudFront Functions guard: a GuardRuntime parameter, a
// cloudfront-js-2.0 function associated instead of Lambda@Edge, and `make cff-template` rendering
// the generated code into it (the checked-in function is the one generated from guard.toml).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, generate, load, cffEventFor, verdict } from './harness.mjs';
import { render } from '../../scripts/cff-template.mjs';

const template = readFileSync(join(ROOT, 'template.yaml'), 'utf8');

function functionCode(yaml) {
  const lines = yaml.split('\n');
  const at = lines.findIndex((l) => l === '      FunctionCode: |');
  const body = [];
  for (let i = at + 1; i < lines.length && lines[i].startsWith('        '); i++) body.push(lines[i].slice(8));
  return `${body.join('\n')}\n`;
}

test('the template has a GuardRuntime parameter choosing the viewer-request guard', () => {
  assert.match(template, /^ {2}GuardRuntime:\n {4}Type: String\n {4}Default: lambda-edge\n {4}AllowedValues: \[lambda-edge, cloudfront-functions\]/m);
  assert.match(template, /UsesCloudFrontFunction: !Equals \[!Ref GuardRuntime, cloudfront-functions\]/);
  assert.match(template, /FunctionAssociations: !If\n\s+- UsesCloudFrontFunction\n\s+- - EventType: viewer-request/);
  assert.match(template, /LambdaFunctionAssociations: !If\n\s+- UsesCloudFrontFunction\n\s+- !Ref AWS::NoValue/);
});

test('the CloudFront Function is cloudfront-js-2.0 and auto-published', () => {
  assert.match(template, /GuardCloudFrontFunction:\n {4}Type: AWS::CloudFront::Function\n {4}Condition: UsesCloudFrontFunction/);
  assert.match(template, /AutoPublish: true/);
  assert.match(template, /Runtime: cloudfront-js-2.0/);
});

test('the checked-in function is exactly the guard generated from guard.toml', async () => {
  assert.equal(functionCode(template), generate('guard.toml').code);
  const guard = load(functionCode(template));
  assert.deepEqual(verdict(await guard(cffEventFor({ uri: '/public/a.css' }))), { decision: 'allow', status: null });
  assert.equal(verdict(await guard(cffEventFor({ uri: '/admin/x' }))).decision, 'deny');
});

test('cff-template renders exactly the generated code into the function', () => {
  const { code } = generate('guard.toml');
  const rendered = render(template, code, '../..');
  assert.equal(functionCode(rendered), code);
  assert.match(rendered, /^ {4}Default: cloudfront-functions$/m);
  assert.match(rendered, /^ {6}CodeUri: \.\.\/\.\.$/m);
  const checkedIn = functionCode(template).split('\n').length;
  assert.equal(rendered.split('\n').length, template.split('\n').length - checkedIn + code.split('\n').length);
});
