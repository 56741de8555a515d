// The SAM templates offer the CloudFront Functions guard: template.yaml (bucket, distribution and
// guard) and template-guard.yaml (the guard alone, for an existing distribution) both have a
// GuardRuntime parameter and a cloudfront-js-2.0 function, and `make cff-template` renders the
// generated code into either (the checked-in function is the one generated from guard.toml).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, generate, load, cffEventFor, verdict } from './harness.mjs';
import { render } from '../../scripts/cff-template.mjs';

const TEMPLATES = ['template.yaml', 'template-guard.yaml'];
const read = (name) => readFileSync(join(ROOT, name), 'utf8');
const template = read('template.yaml');
const guardOnly = read('template-guard.yaml');

function functionCode(yaml) {
  const lines = yaml.split('\n');
  const at = lines.findIndex((l) => l === '      FunctionCode: |');
  const body = [];
  for (let i = at + 1; i < lines.length && lines[i].startsWith('        '); i++) body.push(lines[i].slice(8));
  return `${body.join('\n')}\n`;
}

for (const name of TEMPLATES) {
  test(`${name} has a GuardRuntime parameter choosing the guard, Lambda@Edge by default`, () => {
    assert.match(read(name), /^ {2}GuardRuntime:\n {4}Type: String\n {4}Default: lambda-edge\n {4}AllowedValues: \[lambda-edge, cloudfront-functions\]/m);
    assert.match(read(name), /UsesCloudFrontFunction: !Equals \[!Ref GuardRuntime, cloudfront-functions\]/);
  });

  test(`${name}: the CloudFront Function is cloudfront-js-2.0, auto-published, only with GuardRuntime=cloudfront-functions`, () => {
    assert.match(read(name), /GuardCloudFrontFunction:\n {4}Type: AWS::CloudFront::Function\n {4}Condition: UsesCloudFrontFunction/);
    assert.match(read(name), /AutoPublish: true/);
    assert.match(read(name), /Runtime: cloudfront-js-2.0/);
  });

  test(`${name}: the checked-in function is exactly the guard generated from guard.toml`, async () => {
    assert.equal(functionCode(read(name)), generate('guard.toml').code);
    const guard = load(functionCode(read(name)));
    assert.deepEqual(verdict(await guard(cffEventFor({ uri: '/public/a.css' }))), { decision: 'allow', status: null });
    assert.equal(verdict(await guard(cffEventFor({ uri: '/admin/x' }))).decision, 'deny');
  });

  test(`cff-template renders exactly the generated code into ${name}, build paths rebased on the repository`, () => {
    const { code } = generate('guard.toml');
    const rendered = render(read(name), code, '../..');
    assert.equal(functionCode(rendered), code);
    assert.match(rendered, /^ {4}Default: cloudfront-functions$/m);
    assert.match(rendered, /^ {6}CodeUri: \.\.\/\.\.\/lambda-edge\/$/m);
    assert.match(rendered, /^ {6}ContextPath: \.\.\/\.\.$/m);
    assert.match(rendered, /^ {6}WorkingDirectory: \.\.\/\.\.$/m);
    const checkedIn = functionCode(read(name)).split('\n').length;
    assert.equal(rendered.split('\n').length, read(name).split('\n').length - checkedIn + code.split('\n').length);
  });
}

test('template.yaml associates the CloudFront Function instead of Lambda@Edge on the default behavior', () => {
  assert.match(template, /DefaultCacheBehavior:[\s\S]*FunctionAssociations: !If\n\s+- UsesCloudFrontFunction\n\s+- - EventType: viewer-request/);
  assert.match(template, /DefaultCacheBehavior:[\s\S]*LambdaFunctionAssociations: !If\n\s+- UsesCloudFrontFunction\n\s+- !Ref AWS::NoValue/);
});

test('template-guard.yaml creates the Lambda@Edge guard only when it is the chosen runtime', () => {
  assert.match(guardOnly, /UsesLambdaEdge: !Not \[!Condition UsesCloudFrontFunction\]/);
  assert.match(guardOnly, /GuardRole:\n {4}Type: AWS::IAM::Role\n {4}Condition: UsesLambdaEdge/);
  assert.match(guardOnly, /GuardFunction:\n {4}Type: AWS::Serverless::Function\n {4}Condition: UsesLambdaEdge/);
  assert.match(guardOnly, /GuardFunctionVersionArn:\n {4}Condition: UsesLambdaEdge\n[\s\S]*?Value: !Ref GuardFunction\.Version/);
  assert.match(guardOnly, /GuardCloudFrontFunctionArn:\n {4}Condition: UsesCloudFrontFunction\n[\s\S]*?Value: !GetAtt GuardCloudFrontFunction\.FunctionMetadata\.FunctionARN/);
});
