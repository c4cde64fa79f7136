// Helpers every page shares. Plain script (no modules, no framework): it
// defines one global, tacitUI.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);

  // announce writes a status line into a live region (role="status"), so
  // that screen readers read every change. kind: "", "good", "bad", "warn".
  function announce(el, text, kind) {
    el.className = "notice" + (kind ? " " + kind : "");
    el.textContent = text;
    el.hidden = false;
  }

  // apiError returns the message of a tacit error body, or a plain one.
  async function apiError(resp) {
    try {
      const body = await resp.json();
      if (body && body.error && body.error.message) return body.error.message;
    } catch (_) { /* not JSON */ }
    return "the server answered " + resp.status;
  }

  // fetchJSON GETs or POSTs JSON and returns the decoded body, or throws an
  // Error with the server's message.
  async function fetchJSON(url, opts) {
    const o = Object.assign({ headers: {} }, opts || {});
    o.headers = Object.assign({ Accept: "application/json" }, o.headers);
    if (o.json !== undefined) {
      o.method = o.method || "POST";
      o.headers["Content-Type"] = "application/json";
      o.body = JSON.stringify(o.json);
      delete o.json;
    }
    o.cache = "no-store";
    o.credentials = "omit";
    const resp = await fetch(url, o);
    if (!resp.ok) {
      const err = new Error(await apiError(resp));
      err.status = resp.status;
      throw err;
    }
    return resp.json();
  }

  function formatBytes(n) {
    if (!(n >= 0)) return "";
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return (n / 1024).toFixed(0) + " KB";
    return (n / 1024 / 1024).toFixed(1) + " MB";
  }

  // formatMonth writes "2026-11" as "November 2026".
  function formatMonth(m) {
    const [y, mo] = String(m).split("-").map(Number);
    if (!y || !mo) return String(m);
    return new Date(Date.UTC(y, mo - 1, 1)).toLocaleDateString("en-GB", { month: "long", year: "numeric", timeZone: "UTC" });
  }

  function formatTime(t) {
    const d = new Date(t);
    if (isNaN(d)) return String(t);
    return d.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
  }

  // facts fills a <dl> with [term, value] pairs; mono marks hashes.
  function facts(dl, pairs) {
    dl.replaceChildren();
    for (const [term, value, mono] of pairs) {
      const dt = document.createElement("dt");
      dt.textContent = term;
      const dd = document.createElement("dd");
      dd.textContent = value;
      if (mono) dd.className = "mono hash";
      dl.append(dt, dd);
    }
  }

  window.tacitUI = { $, announce, fetchJSON, apiError, formatBytes, formatMonth, formatTime, facts };
})();
