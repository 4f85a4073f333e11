/**
 * The Supabase Auth login page's scripts, served from the packages (never a CDN; the CSP allows no
 * inline script): supabase-js's own browser build, and the page script that signs in with it and
 * hands the access token to the server.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

let supabase: string | undefined;

/** supabase-js's browser build (`window.supabase`), read once from the installed package. */
export function supabaseJsSource(): string {
  supabase ??= readFileSync(createRequire(import.meta.url).resolve("@supabase/supabase-js/dist/umd/supabase.js"), "utf8");
  return supabase;
}

/**
 * Signs in with email + password, or sends a sign-in link that comes back to /login (the client
 * reads the session from the URL), then posts the access token with the login form's CSRF token to
 * /login/supabase. Nothing is kept in the browser's storage: the dashboard's cookie is the session.
 */
export const LOGIN_JS = `"use strict";
(function () {
  var form = document.getElementById("supabase-login");
  if (!form || !window.supabase) return;
  var status = document.getElementById("supabase-status");
  function say(text, bad) { status.textContent = text; status.className = bad ? "flash error" : "flash"; status.hidden = false; }
  var client = window.supabase.createClient(form.getAttribute("data-supabase-url"), form.getAttribute("data-supabase-key"), {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: true, flowType: "implicit" }
  });
  var done = false;
  function finish(session) {
    if (done || !session) return;
    done = true;
    say("Signing in…");
    fetch("/login/supabase", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": form.getAttribute("data-csrf") },
      body: JSON.stringify({ access_token: session.access_token }),
      credentials: "same-origin"
    }).then(function (res) {
      return res.json().then(function (body) {
        if (res.ok) { window.location.assign(body.next || "/"); return; }
        done = false;
        say(body.error || "Sign-in refused", true);
      });
    }).catch(function (e) { done = false; say("Sign-in failed: " + e.message, true); });
  }
  client.auth.onAuthStateChange(function (event, session) { if (event === "SIGNED_IN") finish(session); });
  client.auth.getSession().then(function (r) { if (r.data && r.data.session) finish(r.data.session); });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var email = form.elements.email.value.trim();
    var link = e.submitter && e.submitter.value === "link";
    if (link) {
      client.auth.signInWithOtp({ email: email, options: { shouldCreateUser: false, emailRedirectTo: window.location.origin + "/login" } })
        .then(function (r) { if (r.error) say(r.error.message, true); else say("Check your inbox: the link signs you in here."); });
      return;
    }
    client.auth.signInWithPassword({ email: email, password: form.elements.password.value })
      .then(function (r) { if (r.error) say(r.error.message, true); else finish(r.data.session); });
  });
})();
`;
