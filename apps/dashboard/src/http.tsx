/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** What the pages share: the app's types, the page frame, form parsing, and running one write. */
import { OfferlabError } from "@offerlab/core";
import { judgingClock as judgeAt, type Db, type JudgingClock } from "@offerlab/db";
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import { Flash, Layout, type PageContext } from "./layout.js";

export interface Deps {
  db: Db;
  now: () => Date;
  /** Eligibility on the data's clock (db's dataClockAt) instead of `now`; see DashboardAppOptions. */
  dataClock: boolean;
  pollMs: number;
  lowCredits: number;
  /** The most contacts a bulk action takes at once, when lower than the action's own maximum (DashboardAppOptions). */
  bulkLimit?: number;
}

/**
 * The time a page judges the data at (eligibility, forecasts): `@offerlab/db`'s judgingClock — the
 * data's own clock (db's dataClockAt) when the app runs on it (sandbox data is simulated in the past),
 * otherwise `now`. `offerlab why --sandbox` judges through the same function.
 */
export function judgingClock(deps: Deps): Promise<JudgingClock> {
  return judgeAt(deps.db, { now: deps.now(), dataClock: deps.dataClock });
}

export type DashboardEnv = { Variables: { session: string; page: PageContext } };
export type Ctx = Context<DashboardEnv>;

/** A whole page, with the doctype. */
export function page(c: Ctx, title: string, active: string, body: Child, status: 200 | 404 | 422 = 200) {
  const html = (
    <Layout title={title} active={active} page={c.get("page")}>
      {body}
    </Layout>
  );
  return c.html("<!doctype html>" + String(html), status);
}

export const isHtmx = (c: Ctx) => c.req.header("HX-Request") === "true";

/**
 * Runs one write and answers with its message: a fragment for htmx (into the form's target), or
 * a small page. A typed error (bad input, not found, refused) is shown as such, data unchanged.
 */
export async function act(c: Ctx, fn: () => Promise<Child>, back: string, after?: () => Promise<Child>) {
  let body: Child;
  let ok = true;
  try {
    body = <Flash>{await fn()}</Flash>;
  } catch (error) {
    if (!OfferlabError.isInstance(error)) throw error;
    ok = false;
    body = <Flash error>{(error as Error).message}</Flash>;
  }
  const extra = after ? await after() : null;
  if (isHtmx(c)) {
    if (ok) c.header("HX-Trigger", "offerlab-changed");
    return c.html(
      String(
        <>
          {body}
          {extra}
        </>,
      ),
    );
  }
  return page(
    c,
    ok ? "Done" : "Not done",
    back,
    <>
      {body}
      <p>
        <a href={back}>Back</a>
      </p>
    </>,
    ok ? 200 : 422,
  );
}

/** A form body's fields (repeated names as arrays). */
export async function formOf(c: Ctx): Promise<Record<string, string | string[]>> {
  const body = await c.req.parseBody({ all: true });
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(body)) {
    if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === "string");
    else if (typeof v === "string") out[k] = v;
  }
  return out;
}

export const field = (form: Record<string, string | string[]>, name: string): string => {
  const v = form[name];
  return (Array.isArray(v) ? v[0] : v)?.trim() ?? "";
};
