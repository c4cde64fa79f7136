// What the lender console and the auditor view share: signing in with an
// API key kept for this tab only, calling the API with it, and writing
// into the page without ever parsing a server string as HTML.

// A key lives in sessionStorage under one name per page, so that closing
// the tab forgets it. It is never put in a URL or in localStorage.
export class Session {
  constructor(page) {
    this.slot = "tacit." + page + ".apiKey";
  }
  get key() {
    try {
      return sessionStorage.getItem(this.slot) || "";
    } catch {
      return "";
    }
  }
  set key(v) {
    try {
      if (v) sessionStorage.setItem(this.slot, v);
      else sessionStorage.removeItem(this.slot);
    } catch {
      // Storage refused (a private mode): the key lasts as long as the page.
    }
  }
}

// APIError is a non-2xx answer: the HTTP status, the API's stable code and
// its message (which names the field at fault).
export class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// api calls path on this origin with the key and body (a value to encode,
// or JSON already encoded as a string); it returns the decoded JSON (or
// the text, for a non-JSON answer) or throws an APIError.
export async function api(key, method, path, body) {
  const headers = { Accept: "application/json" };
  if (key) headers.Authorization = "Bearer " + key;
  const init = { method, headers, cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch {
    throw new APIError(0, "network", "The service did not answer. Check the connection and try again.");
  }
  const text = await resp.text();
  const json = (resp.headers.get("Content-Type") || "").startsWith("application/json");
  let data = text;
  if (json && text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!resp.ok) {
    const err = data && data.error ? data.error : { code: "http_" + resp.status, message: "The service answered " + resp.status + "." };
    throw new APIError(resp.status, err.code, err.message);
  }
  return data;
}

// signInMessage says, in words, why a key was not accepted.
export function signInMessage(err, role) {
  switch (err.status) {
    case 401:
      return "The service does not know this API key. Check that you pasted all of it.";
    case 403:
      return "This API key does not belong to a " + role + ". Use a " + role + "'s key.";
    case 429:
      return "Too many attempts. Wait a minute and try again.";
  }
  return err.message;
}

// el builds an element: attributes (a "class", a "text", plain attributes)
// and children (elements or strings, added as text).
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = v;
    else if (k === "class") e.className = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c);
  }
  return e;
}

// facts builds a <dl class="facts"> from [term, description] pairs.
export function facts(pairs) {
  const dl = el("dl", { class: "facts" });
  for (const [term, desc] of pairs) {
    if (desc === undefined || desc === null || desc === "") continue;
    dl.append(el("dt", { text: term }), el("dd", {}, desc));
  }
  return dl;
}

// say puts a message in a live region; kind "bad" makes it an alert.
export function say(region, message, kind) {
  region.replaceChildren();
  region.className = message ? "notice " + (kind || "") : "";
  region.setAttribute("role", kind === "bad" ? "alert" : "status");
  if (message) region.append(message);
}

// when writes a time in the reader's locale, to the minute.
export function when(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return iso || "";
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

// signIn wires a sign-in form: check(key) must resolve if the key is good
// (and throw an APIError if not); then onIn runs. A key already in the
// session is checked the same way when the page opens.
export function signIn({ session, form, input, status, role, check, onIn }) {
  const attempt = async (key, quiet) => {
    try {
      await check(key);
    } catch (err) {
      if (!(err instanceof APIError)) throw err;
      session.key = "";
      if (!quiet) {
        say(status, signInMessage(err, role), "bad");
        input.setAttribute("aria-invalid", "true");
        input.focus();
      }
      return;
    }
    session.key = key;
    input.value = "";
    input.removeAttribute("aria-invalid");
    say(status, "");
    onIn(key);
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const key = input.value.trim();
    if (!key) {
      say(status, "Paste your API key first.", "bad");
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    say(status, "Checking the key…");
    attempt(key, false);
  });
  if (session.key) attempt(session.key, true);
}
