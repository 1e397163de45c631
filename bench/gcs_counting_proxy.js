#!/usr/bin/env node
// A Cloud Storage JSON API proxy for bench/pod_bench.sh: forwards every
// request to an emulator, counts requests by kind, logs each one, and
// enforces ifGenerationMatch=0 (which the emulator ignores): an upload or a
// rewrite with that precondition onto an object that exists is answered
// 412, as Cloud Storage does. Checks and creates of one object name are
// serialized, so that of two concurrent creators exactly one wins.
//
// Node.js only (it is already needed for the emulator: testing/gcs-emulator).
//
// Usage: node bench/gcs_counting_proxy.js EMULATOR_URL LOG_FILE
//   Prints "PORT" on stdout once listening (127.0.0.1, an ephemeral port).
//   LOG_FILE gets one line per request: "<ms since epoch> <kind> <status> <object>".
//   GET /__stats answers the counts as JSON; POST /__reset clears them.
//   TFHUB_PROXY_LATENCY_MS=N: each request waits N ms before it is forwarded
//   (a round trip to a real service; the emulator on loopback has none).
// Kinds: lock_read (metadata or media GET of *.lock), progress_read
// (*.progress), list, meta_read, media_read, upload, copy, compose, delete, other;
// precondition_failed counts the 412s the proxy itself answered.
'use strict';
const http = require('http');
const fs = require('fs');

const [emulatorUrl, logFile] = process.argv.slice(2);
const latencyMs = Number(process.env.TFHUB_PROXY_LATENCY_MS || 0);
if (!emulatorUrl || !logFile) {
  process.stderr.write('usage: gcs_counting_proxy.js EMULATOR_URL LOG_FILE\n');
  process.exit(2);
}
const target = new URL(emulatorUrl);
const log = fs.createWriteStream(logFile, { flags: 'a' });
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
let counts = {};

function classify(method, url) {
  const path = url.pathname;
  let m = path.match(/^\/storage\/v1\/b\/[^/]+\/o\/([^/]+)\/rewriteTo\/b\/[^/]+\/o\/([^/]+)$/);
  if (m) return { kind: 'copy', object: decodeURIComponent(m[2]) };
  m = path.match(/^\/storage\/v1\/b\/[^/]+\/o\/([^/]+)\/compose$/);
  if (m) return { kind: 'compose', object: decodeURIComponent(m[1]) };
  m = path.match(/^\/upload\/storage\/v1\/b\/[^/]+\/o$/);
  if (m) return { kind: 'upload', object: url.searchParams.get('name') || '' };
  if (/^\/storage\/v1\/b\/[^/]+\/o$/.test(path) && method === 'GET') {
    return { kind: 'list', object: url.searchParams.get('prefix') || '' };
  }
  m = path.match(/^\/storage\/v1\/b\/[^/]+\/o\/([^/]+)$/);
  if (m) {
    const object = decodeURIComponent(m[1]);
    if (method === 'DELETE') return { kind: 'delete', object };
    if (method === 'GET') {
      if (object.endsWith('.lock')) return { kind: 'lock_read', object };
      if (object.endsWith('.progress')) return { kind: 'progress_read', object };
      return { kind: url.searchParams.get('alt') === 'media' ? 'media_read' : 'meta_read', object };
    }
  }
  return { kind: 'other', object: path };
}

function count(kind, status, object) {
  counts[kind] = (counts[kind] || 0) + 1;
  log.write(`${Date.now()} ${kind} ${status} ${object}\n`);
}

// Forwards the request (body already read) and relays the answer.
function forward(req, res, body, path) {
  return new Promise((resolve) => {
    const up = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: path || req.url,
        headers: { ...req.headers, host: target.host }, agent },
      (ans) => {
        res.writeHead(ans.statusCode, ans.headers);
        ans.pipe(res);
        ans.on('end', () => resolve(ans.statusCode));
      });
    up.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(e));
      resolve(502);
    });
    up.end(body);
  });
}

// Whether `object` exists in `bucket` (a request to the emulator, not counted).
function exists(bucket, object) {
  return new Promise((resolve) => {
    const req = http.request(
      { host: target.hostname, port: target.port, method: 'GET', agent,
        path: `/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(object)}` },
      (ans) => { ans.resume(); ans.on('end', () => resolve(ans.statusCode === 200)); });
    req.on('error', () => resolve(false));
    req.end();
  });
}

const chains = new Map();  // object name -> promise of the last serialized create
function serialized(name, fn) {
  const prev = chains.get(name) || Promise.resolve();
  const next = prev.then(fn, fn);
  chains.set(name, next.catch(() => {}));
  next.finally(() => { if (chains.get(name) === next) chains.delete(name); });
  return next;
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://proxy');
  if (url.pathname === '/__stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(counts));
    return;
  }
  if (url.pathname === '/__reset') {
    counts = {};
    res.end('{}');
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    const body = Buffer.concat(chunks);
    const { kind, object } = classify(req.method, url);
    const bucket = (url.pathname.match(/\/b\/([^/]+)\/o/) || [])[1];
    const precondition = url.searchParams.get('ifGenerationMatch') === '0' && (kind === 'upload' || kind === 'copy');
    if (!precondition) {
      count(kind, await forward(req, res, body), object);
      return;
    }
    await serialized(`${bucket}/${object}`, async () => {
      if (await exists(decodeURIComponent(bucket), object)) {
        res.writeHead(412, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 412, message: 'At least one of the pre-conditions you specified did not hold.' } }));
        count(kind, 412, object);
        counts.precondition_failed = (counts.precondition_failed || 0) + 1;
        return;
      }
      count(kind, await forward(req, res, body), object);
    });
  });
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
