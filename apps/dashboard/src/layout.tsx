/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** The page frame: navigation, the CSRF header every htmx request carries, the assets. */
import type { Child } from "hono/jsx";
import { CSRF_HEADER } from "./security.js";

export const NAV = [
  ["/", "Overview"],
  ["/offers", "Offers"],
  ["/campaigns", "Campaigns"],
  ["/leads", "Leads"],
  ["/replies", "Replies"],
  ["/schedule", "Schedule"],
  ["/accounts", "Accounts"],
  ["/activity", "Activity"],
  ["/tools", "Tools"],
] as const;

export interface PageContext {
  csrf: string;
  /** The database's world (a sandbox database says so on every page). */
  mode: string;
  /** Whether a token protects the dashboard (then a sign-out button shows). */
  protected: boolean;
}

// htmx without its inline indicator styles (the CSP allows no inline style) and without eval.
const HTMX_CONFIG = JSON.stringify({ includeIndicatorStyles: false, allowEval: false, allowScriptTags: false });

export function Layout(props: { title: string; active: string; page: PageContext; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content={HTMX_CONFIG} />
        <title>{`${props.title} · offerlab`}</title>
        <link rel="stylesheet" href="/assets/app.css" />
        <script src="/assets/htmx.min.js" defer></script>
        <script src="/assets/app.js" defer></script>
      </head>
      <body hx-headers={JSON.stringify({ [CSRF_HEADER]: props.page.csrf })} hx-boost="true">
        <header class="top">
          <span class="brand">offerlab</span>
          <nav>
            {NAV.map(([href, label]) => (
              <a href={href} class={props.active === href ? "active" : ""}>
                {label}
              </a>
            ))}
          </nav>
          <span class="mode">{props.page.mode}</span>
          {props.page.protected ? (
            <form method="post" action="/logout">
              <input type="hidden" name="_csrf" value={props.page.csrf} />
              <button class="secondary" type="submit">
                Sign out
              </button>
            </form>
          ) : null}
        </header>
        <main id="main">
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

export function Flash(props: { error?: boolean; children?: Child }) {
  return (
    <div class={props.error ? "flash error" : "flash"} role="status">
      {props.children}
    </div>
  );
}

export function Badge(props: { value: string | null | undefined }) {
  return props.value ? <span class={`badge ${props.value}`}>{props.value}</span> : <span class="muted">—</span>;
}

/** `n / d (p %)`, or `—` when nothing to divide by: a rate always shows its denominator. */
export function Rate(props: { n: number; d: number }) {
  if (props.d === 0) return <span class="muted">— (0)</span>;
  return (
    <span>
      {((100 * props.n) / props.d).toFixed(1)}% <span class="muted small">({`${props.n}/${props.d}`})</span>
    </span>
  );
}

export function when(d: Date | string | null | undefined): string {
  if (!d) return "—";
  const date = d instanceof Date ? d : new Date(d);
  return date.toISOString().slice(0, 16).replace("T", " ");
}
