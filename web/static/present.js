// The business page (/present/{id}): shows what a lender asks, reads the
// business's credential files and holder secret in this tab, proves in a
// Web Worker (worker.js), shows exactly what will be sent and sends it to
// the request's responseUri only when the person confirms. The holder
// secret and the credentials are handed to the worker and to nothing else.
"use strict";
(function () {
  const { $, announce, fetchJSON, formatBytes, formatMonth, formatTime, facts } = window.tacitUI;
  const status = $("status");
  const id = decodeURIComponent(location.pathname.split("/").filter(Boolean)[1] || "");
  let request = null;        // the presentation request
  let needs = 1;             // credentials the statement takes
  let credentials = [];      // [{name, text}]
  let holder = null;         // the secret file's text
  let attestation = null;    // the finished attestation (JSON text)
  let worker = null;
  let seq = 0;
  const pending = new Map();
  let onProgress = () => {};

  function call(msg) {
    if (!worker) {
      worker = new Worker("/assets/worker.js");
      worker.onmessage = (e) => {
        const m = e.data;
        if (m.type === "progress") { onProgress(m); return; }
        const p = pending.get(m.id);
        if (p) { pending.delete(m.id); p(m); }
      };
      worker.onerror = (e) => {
        for (const p of pending.values()) p({ error: "the browser prover stopped: " + (e.message || "unknown error") });
        pending.clear();
      };
    }
    return new Promise((resolve) => {
      msg.id = ++seq;
      pending.set(msg.id, resolve);
      worker.postMessage(msg);
    });
  }

  function readText(file) {
    if (file.size > 1 << 20) return Promise.reject(new Error(file.name + " is larger than 1 MB; it is not a tacit file"));
    return file.text();
  }

  function show(el, on) { el.hidden = !on; }

  async function init() {
    if (!id) { announce(status, "This link names no request. Ask the lender for the full link.", "bad"); return; }
    let text;
    try {
      const resp = await fetch("/v1/requests/" + encodeURIComponent(id), { cache: "no-store", credentials: "omit" });
      if (!resp.ok) {
        const msg = resp.status === 404
          ? "This request does not exist, has been answered already, or has expired. Ask the lender for a new link."
          : await window.tacitUI.apiError(resp);
        announce(status, "Cannot open the request: " + msg, "bad");
        return;
      }
      text = await resp.text();
      request = JSON.parse(text);
    } catch (err) {
      announce(status, "Cannot open the request: " + err.message, "bad");
      return;
    }
    $("r-lender").textContent = request.lender;
    $("r-sentence").textContent = request.sentence;
    const pol = request.params && request.params.policy;
    if (pol && Array.isArray(pol.rules)) {
      // A policy: its rules and the credentials it takes, in words.
      const ul = document.createElement("ul");
      for (const r of pol.rules) {
        const li = document.createElement("li");
        li.textContent = r.name + " (" + r.credential + ", over " + r.window + " months)";
        ul.append(li);
      }
      const creds = document.createElement("p");
      creds.textContent = "Credentials, in this order: " + (pol.credentials || []).map((c) => c.name + " (" + c.kind + ", issued by one of " + c.issuerSet + ")").join("; ") + ".";
      $("r-sentence").append(ul, creds);
    }
    $("r-asof").textContent = formatMonth(request.asOf);
    $("r-expires").textContent = formatTime(request.expiresAt);
    $("title").textContent = request.lender + " asks you a question";
    $("review-lender").textContent = request.lender;
    show($("request"), true);
    if (document.body.dataset.prover !== "present") {
      show($("no-prover"), true);
      announce(status, "This server cannot make proofs in the browser.", "bad");
      return;
    }
    announce(status, "Starting the prover in this browser…");
    const r = await call({ type: "load", request: text });
    if (r.error) { announce(status, "This request cannot be answered here: " + r.error, "bad"); return; }
    needs = r.credentials;
    $("r-needs").textContent = needs === 1
      ? "one credential file and your holder secret"
      : needs + " credential files (in the order the question lists them) and your holder secret";
    $("credentials").multiple = needs > 1;
    show($("files"), true);
    show($("prove"), true);
    announce(status, "Add your " + (needs === 1 ? "credential file" : needs + " credential files") + " and your holder secret file.");
  }

  function renderCredentials() {
    const list = $("credential-list");
    list.replaceChildren();
    credentials.forEach((c, i) => {
      const li = document.createElement("li");
      const name = document.createElement("span");
      name.textContent = (needs > 1 ? (i + 1) + ". " : "") + c.name;
      const rm = document.createElement("button");
      rm.type = "button";
      rm.className = "secondary";
      rm.textContent = "Remove";
      rm.setAttribute("aria-label", "Remove " + c.name);
      rm.addEventListener("click", () => { credentials.splice(i, 1); renderCredentials(); inputsChanged(); });
      li.append(name, rm);
      list.append(li);
    });
  }

  // inputsChanged runs the statement's own check as soon as every file is
  // there, so that a credential that cannot answer is named before any
  // download.
  async function inputsChanged() {
    $("prove-button").disabled = true;
    show($("refusal"), false);
    show($("review"), false);
    attestation = null;
    if (credentials.length !== needs || holder === null) {
      const missing = [];
      if (credentials.length < needs) missing.push((needs - credentials.length) + " more credential file" + (needs - credentials.length > 1 ? "s" : ""));
      if (credentials.length > needs) missing.push("only " + needs + " credential file" + (needs > 1 ? "s" : "") + " (remove " + (credentials.length - needs) + ")");
      if (holder === null) missing.push("your holder secret file");
      announce(status, "Still needed: " + missing.join(" and ") + ".");
      return;
    }
    announce(status, "Checking your files against the question…");
    const r = await call({ type: "inputs", credentials: credentials.map((c) => c.text), names: credentials.map((c) => c.name), holder });
    if (r.refusal) { refuse(r); return; }
    if (r.error) { announce(status, "These files cannot be used: " + r.error, "bad"); return; }
    $("prove-button").disabled = false;
    announce(status, "Your files answer the question. Make the proof when you are ready.", "good");
  }

  // refuse shows the unmet rule to the business; nothing is sent.
  function refuse(r) {
    const box = $("refusal");
    box.replaceChildren();
    const head = document.createElement("strong");
    head.textContent = "Cannot prove:";
    const msg = document.createElement("span");
    msg.textContent = " " + r.refusal + (r.detail ? " (" + r.detail + ")." : ".");
    const note = document.createElement("p");
    note.textContent = "Nothing was sent to the lender. Only you see this.";
    box.append(head, msg, note);
    show(box, true);
    announce(status, "Cannot prove: " + r.refusal + ". Nothing was sent.", "bad");
    box.focus();
  }

  async function prove() {
    $("prove-button").disabled = true;
    show($("refusal"), false);
    show($("progress"), true);
    const keysBar = $("keys-progress"), proofBar = $("proof-progress");
    keysBar.value = 0; proofBar.removeAttribute("value");
    proofBar.value = 0;
    $("proof-time").textContent = "";
    const started = performance.now();
    let timer = null;
    let lastAnnounced = -1;
    onProgress = (m) => {
      if (m.stage === "keys") {
        keysBar.max = m.total || 1;
        keysBar.value = m.loaded;
        $("keys-bytes").textContent = m.cached ? "kept from your last visit" : formatBytes(m.loaded) + " of " + formatBytes(m.total);
        const pct = m.total ? Math.floor(10 * m.loaded / m.total) : 0;
        if (pct !== lastAnnounced && !m.cached) {
          lastAnnounced = pct;
          announce(status, "Downloading the circuit's keys: " + formatBytes(m.loaded) + " of " + formatBytes(m.total) + ".");
        }
      } else if (m.stage === "proving") {
        keysBar.value = keysBar.max;
        proofBar.removeAttribute("value"); // indeterminate
        announce(status, "Making the proof in this browser. This takes a few seconds.");
        const t0 = performance.now();
        timer = setInterval(() => { $("proof-time").textContent = ((performance.now() - t0) / 1000).toFixed(0) + " s"; }, 500);
      }
    };
    const r = await call({ type: "prove" });
    clearInterval(timer);
    onProgress = () => {};
    if (r.refusal) { show($("progress"), false); refuse(r); return; }
    if (r.error) {
      show($("progress"), false);
      announce(status, "The proof could not be made: " + r.error, "bad");
      $("prove-button").disabled = false;
      return;
    }
    proofBar.max = 1; proofBar.value = 1;
    $("proof-time").textContent = "done in " + ((performance.now() - started) / 1000).toFixed(1) + " s";
    attestation = r.attestation;
    review(JSON.parse(attestation));
  }

  // review lists the attestation's public values in words.
  function review(att) {
    const names = { asOf: "As of", lender: "For lender", nonce: "Request number", pseudonym: "Your pseudonym for this lender",
      window: "Months covered", severity: "Worst status allowed", issuer: "Issuer's public key", expiresAfter: "Credential valid until",
      policyHash: "Policy fingerprint" };
    const pairs = [["Statement", att.statement], ["Question", request.sentence]];
    for (const [k, v] of Object.entries(att.public || {})) {
      const text = typeof v === "object" ? JSON.stringify(v) : String(v);
      pairs.push([names[k] || k, k === "asOf" ? formatMonth(v) : text, /^[0-9a-f]{32,}$/.test(text)]);
    }
    for (const [k, v] of Object.entries(att)) {
      if (["version", "statement", "verifyingKey", "public", "proof"].includes(k)) continue;
      if (k === "policy" && v && typeof v === "object") {
        pairs.push(["Policy", v.id || ""]);
        if (v.hash) pairs.push(["Policy fingerprint", v.hash, true]);
        (v.roots || []).forEach((r, i) => pairs.push(["Issuer set of credential " + (i + 1), r, true]));
        continue;
      }
      pairs.push([k, JSON.stringify(v)]);
    }
    pairs.push(["Keys used", att.verifyingKey, true]);
    pairs.push(["Proof", (att.proof.length / 2) + " bytes that only check out if the statement is true"]);
    facts($("review-values"), pairs);
    $("review-json").textContent = JSON.stringify(att, null, 2);
    show($("review"), true);
    announce(status, "The proof is ready. Check what will be sent, then send it or not.", "good");
    $("review-h").focus();
  }

  async function send() {
    $("send-button").disabled = true;
    $("cancel-button").disabled = true;
    announce(status, "Sending the answer to " + request.lender + "…");
    let verdict;
    try {
      verdict = await fetchJSON(request.responseUri, { json: { attestation: JSON.parse(attestation) } });
    } catch (err) {
      showVerdict(false, "The lender's service refused the answer: " + err.message);
      return;
    }
    showVerdict(!!verdict.valid, verdict.valid
      ? request.lender + " received your answer and it checks out: " + request.sentence + "."
      : "The lender's service did not accept the answer.");
  }

  function showVerdict(good, text) {
    show($("review"), false);
    show($("prove"), false);
    show($("files"), false);
    const body = $("verdict-body");
    body.replaceChildren();
    const p = document.createElement("p");
    p.className = "notice " + (good ? "good" : "bad");
    const s = document.createElement("strong");
    s.textContent = good ? "Sent and verified." : "Not verified.";
    p.append(s, " " + text);
    body.append(p);
    if (good) {
      const more = document.createElement("p");
      more.textContent = "You can close this page. Your files were not sent and nothing was stored.";
      body.append(more);
    }
    show($("verdict"), true);
    announce(status, good ? "Sent and verified." : "Not verified: " + text, good ? "good" : "bad");
    $("verdict-h").focus();
    attestation = null;
  }

  $("credentials").addEventListener("change", async (e) => {
    try {
      for (const f of e.target.files) credentials.push({ name: f.name, text: await readText(f) });
    } catch (err) { announce(status, err.message, "bad"); }
    e.target.value = "";
    renderCredentials();
    inputsChanged();
  });
  $("holder").addEventListener("change", async (e) => {
    const f = e.target.files[0];
    holder = null;
    if (f) {
      try {
        holder = await readText(f);
        $("holder-loaded").textContent = "Holder secret: " + f.name + " (read in this tab only).";
        show($("holder-loaded"), true);
      } catch (err) { announce(status, err.message, "bad"); }
    }
    inputsChanged();
  });
  $("create-secret").addEventListener("click", async () => {
    const r = await call({ type: "newHolder" });
    if (r.error) { announce(status, r.error, "bad"); return; }
    const a = $("secret-download");
    if (a.href) URL.revokeObjectURL(a.href);
    a.href = URL.createObjectURL(new Blob([r.file], { type: "application/octet-stream" }));
    $("secret-subject").textContent = r.subject;
    show($("secret-created"), true);
    holder = r.file;
    $("holder-loaded").textContent = "Holder secret: the one you just created (save it!).";
    show($("holder-loaded"), true);
    announce(status, "A new secret was created in this tab. Save it, and give its subject commitment to your issuers.", "warn");
  });
  $("prove-button").addEventListener("click", prove);
  $("send-button").addEventListener("click", send);
  $("cancel-button").addEventListener("click", () => {
    attestation = null;
    show($("review"), false);
    $("prove-button").disabled = false;
    announce(status, "Nothing was sent. You can make the proof again or close this page.");
  });
  init();
})();
