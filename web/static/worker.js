// The business page's prover, in a Web Worker: tacit's Go prover compiled
// to WebAssembly (web/wasm). It downloads the circuit's keys with progress,
// has Go check their sha256 against the request before use, keeps them in
// the Cache API by fingerprint, and proves. Nothing it holds (credentials,
// the holder secret) is ever sent anywhere: its only requests are GETs of
// the keys.
"use strict";
importScripts("/assets/wasm_exec.js");

const CACHE = "tacit-keys-v1";
let ready = null;
let request = null;

function start() {
  if (!ready) {
    const go = new Go();
    ready = WebAssembly.instantiateStreaming(fetch("/assets/tacit.wasm"), go.importObject)
      .then((r) => { go.run(r.instance); });
  }
  return ready;
}

function post(msg) { self.postMessage(msg); }

// cacheKey is where an artefact is kept: its fingerprint, not its URL.
function cacheKey(sha) { return new Request(self.location.origin + "/artefact-cache/" + sha); }

async function openCache() {
  try { return self.caches ? await self.caches.open(CACHE) : null; } catch (_) { return null; }
}

// artefact returns one key file's bytes, from the cache or downloaded,
// checked by Go against the request's fingerprint either way.
async function artefact(which, a, progress) {
  const cache = await openCache();
  if (cache) {
    const hit = await cache.match(cacheKey(a.sha256));
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      const ok = self.tacit.check(which, bytes);
      if (!ok.error) { progress(bytes.length, true); return bytes; }
      await cache.delete(cacheKey(a.sha256)); // damaged: download again
    }
  }
  const resp = await fetch(a.url, { credentials: "omit" });
  if (!resp.ok) throw new Error("downloading the " + label(which) + " failed: the server answered " + resp.status);
  const total = a.size || Number(resp.headers.get("Content-Length")) || 0;
  const reader = resp.body.getReader();
  const chunks = [];
  let got = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    got += value.length;
    progress(got, false, total);
  }
  const bytes = new Uint8Array(got);
  let off = 0;
  for (const c of chunks) { bytes.set(c, off); off += c.length; }
  const ok = self.tacit.check(which, bytes);
  if (ok.error) throw new Error("the " + label(which) + " is not the one the request names (" + ok.error + "); nothing was proven");
  if (cache) {
    try {
      await cache.put(cacheKey(a.sha256), new Response(bytes, { headers: { "Content-Type": "application/octet-stream" } }));
    } catch (_) { /* full or unavailable: download next time */ }
  }
  return bytes;
}

function label(which) { return which === "provingKey" ? "proving key" : "constraint system"; }

async function prove(id) {
  const c = request.circuit;
  const sizes = { constraintSystem: c.constraintSystem.size || 0, provingKey: c.provingKey.size || 0 };
  const done = { constraintSystem: 0, provingKey: 0 };
  let cached = true;
  const report = (which) => (n, fromCache, total) => {
    if (total && !sizes[which]) sizes[which] = total;
    done[which] = n;
    cached = cached && fromCache;
    post({ id, type: "progress", stage: "keys", loaded: done.constraintSystem + done.provingKey,
      total: sizes.constraintSystem + sizes.provingKey, cached });
  };
  const ccs = await artefact("constraintSystem", c.constraintSystem, report("constraintSystem"));
  const pk = await artefact("provingKey", c.provingKey, report("provingKey"));
  post({ id, type: "progress", stage: "proving" });
  return self.tacit.prove(ccs, pk);
}

self.onmessage = async (e) => {
  const m = e.data;
  try {
    await start();
    let out;
    switch (m.type) {
      case "load":
        request = JSON.parse(m.request);
        out = self.tacit.load(m.request);
        break;
      case "inputs":
        out = self.tacit.setInputs(m.credentials, m.names, m.holder);
        break;
      case "prove":
        out = await prove(m.id);
        break;
      case "newHolder":
        out = self.tacit.newHolder();
        break;
      default:
        out = { error: "unknown message " + m.type };
    }
    post(Object.assign({ id: m.id, type: "done" }, out));
  } catch (err) {
    post({ id: m.id, type: "done", error: String(err && err.message || err) });
  }
};
