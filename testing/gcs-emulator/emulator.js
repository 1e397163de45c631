// The Cloud Storage JSON API emulator the gs:// tests and the gs:// read
// benchmark talk to: firebase-tools' storage emulator (the version pinned in
// package-lock.json), run on its own, offline and without Java.
//
// Usage: node emulator.js PORT   (serves http://127.0.0.1:PORT; SIGTERM stops it)
// Started by scripts/gcs-emulator.sh, which installs the npm packages and puts
// them on NODE_PATH; objects live under $TMPDIR/firebase/storage and are
// deleted when the emulator stops. See README.md beside this file.
"use strict";

const http = require("http");
const path = require("path");

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error("usage: node emulator.js PORT");
  process.exit(2);
}
const host = "127.0.0.1";

const firebaseTools = path.dirname(require.resolve("firebase-tools/package.json"));
const emulatorLib = (name) => require(path.join(firebaseTools, "lib", "emulator", name));

// `firebase emulators:start` would download and run a Java rules engine. It
// only judges requests to the Firebase SDK endpoints (/v0/...); the JSON API
// (/storage/v1/..., /upload/..., /download/...) goes through the admin layer,
// which never asks it. So the engine is never started and every ruleset is empty.
const rules = emulatorLib("storage/rules/runtime");
rules.StorageRulesRuntime.prototype.start = async () => {};
rules.StorageRulesRuntime.prototype.stop = async () => {};
rules.StorageRulesRuntime.prototype.loadRuleset = async () => ({
  ruleset: undefined,
  issues: new rules.StorageRulesIssues(),
});

// Real Cloud Storage serves every JSON API call under /storage/v1; the
// emulator serves copyTo, rewriteTo and PATCH of an object only under /b/...
// Those requests get the prefix taken off before the emulator sees them.
const kPrefix = "/storage/v1";
const kCopy = /^\/storage\/v1\/b\/[^/]+\/o\/[^/]+\/(copyTo|rewriteTo)\//;
const kObject = /^\/storage\/v1\/b\/[^/]+\/o\/[^/?]+/;
function emulatorPath(method, url) {
  if ((method === "POST" && kCopy.test(url)) || (method === "PATCH" && kObject.test(url))) {
    return url.slice(kPrefix.length);
  }
  return url;
}
// objects.compose, which the emulator lacks (real Cloud Storage has it:
// POST /storage/v1/b/B/o/DEST/compose, 1-32 sourceObjects of bucket B): the
// sources are read from the emulator's storage and their concatenation is
// stored as DEST through its own one-shot upload, so DEST gets the metadata
// (generation, size, crc32c, md5Hash) of any other upload. Preconditions
// are ignored, as the emulator ignores them everywhere.
const kCompose = /^\/storage\/v1\/b\/([^/]+)\/o\/([^/?]+)\/compose(\?.*)?$/;
async function compose(req, res, bucketId, objectId) {
  const send = (status, message) => {
    res.statusCode = status;
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify(status === 200 ? message : { error: { code: status, message } }));
  };
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
    const sources = body.sourceObjects;
    if (!Array.isArray(sources) || sources.length < 1 || sources.length > 32) {
      return send(400, "compose takes 1 to 32 sourceObjects");
    }
    const data = [];
    for (const source of sources) {
      let object;
      try {
        object = await emulator.adminStorageLayer.getObject({ bucketId, decodedObjectId: String(source.name) });
      } catch (err) {
        return send(404, `No such object: ${bucketId}/${source.name}`);
      }
      data.push(object.data);
    }
    const upload = emulator.uploadService.mediaUpload({
      bucketId,
      objectId,
      dataRaw: Buffer.concat(data),
      contentType: (body.destination && body.destination.contentType) || "application/octet-stream",
      authorization: "Bearer owner",
    });
    const metadata = await emulator.adminStorageLayer.uploadObject(upload);
    const { CloudStorageObjectMetadata } = emulatorLib("storage/metadata");
    return send(200, new CloudStorageObjectMetadata(metadata));
  } catch (err) {
    return send(500, String(err && err.message || err));
  }
}

const server = emulatorLib("storage/server");
const createApp = server.createApp;
server.createApp = async (...args) => {
  const app = await createApp(...args);
  const handler = (req, res) => {
    const c = req.method === "POST" && kCompose.exec(req.url);
    if (c) return compose(req, res, decodeURIComponent(c[1]), decodeURIComponent(c[2]));
    req.url = emulatorPath(req.method, req.url);
    return app(req, res);
  };
  handler.listen = (...listenArgs) => http.createServer(handler).listen(...listenArgs);
  return handler;
};

const { StorageEmulator } = emulatorLib("storage");
const { EmulatorRegistry } = emulatorLib("registry");
const emulator = new StorageEmulator({
  projectId: "demo-tfhub",  // "demo-" projects never reach Google
  host,
  port,
  auto_download: false,
  rules: { name: "empty.rules", content: "" },
});

EmulatorRegistry.start(emulator).then(
  () => {
    const version = require("firebase-tools/package.json").version;
    console.log(`Cloud Storage emulator (firebase-tools ${version}) on http://${host}:${port}`);
  },
  (error) => {
    console.error("the Cloud Storage emulator did not start:", error);
    process.exit(1);
  });

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  EmulatorRegistry.stop(emulator.getName()).finally(() => process.exit(0));
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
