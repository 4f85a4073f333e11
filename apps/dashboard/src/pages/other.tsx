/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** Replies (inbox with one-click outcomes), Accounts (limits, usage, health; pause/resume), Activity (live), Tools. */
import { OfferlabError, ReplySentiment, ValidationError } from "@offerlab/core";
import { dashboard, tools, views, type ViewRow } from "@offerlab/db";
import { pauseAccount, resumeAccount, setAccountLimits } from "@offerlab/operations";
import type { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { act, field, formOf, isHtmx, page, type DashboardEnv, type Deps } from "../http.js";
import { Badge, Flash, when } from "../layout.js";

type ActivityRow = ViewRow<"activity_feed">;

export function ActivityRowView(props: { r: ActivityRow }) {
  const r = props.r;
  return (
    <tr data-activity={`${r.activity_type}:${r.item_id}`}>
      <td class="small">{when(r.occurred_at)}</td>
      <td>{r.activity_type}</td>
      <td>
        <Badge value={r.status} />
      </td>
      <td>{r.channel}</td>
      <td>{r.contact_name ?? r.contact_email}</td>
      <td>{r.company_name}</td>
      <td>{r.campaign_name}</td>
      <td>{r.account_name}</td>
    </tr>
  );
}

const LIMIT_FIELDS = [
  ["daily_limit_connections", "invitations a day"],
  ["daily_limit_messages", "messages a day"],
  ["daily_limit_emails", "emails a day"],
  ["hourly_limit", "sends an hour"],
] as const;
type LimitField = (typeof LIMIT_FIELDS)[number][0];

/**
 * An account's limits as a form (`setAccountLimits`, what `offerlab accounts limits` runs): each
 * field's value, and its error next to it when the operation refused it.
 */
export function AccountLimitsForm(props: {
  id: string;
  values: Partial<Record<LimitField, string | number | null>>;
  errors?: Partial<Record<LimitField | "(input)", string>>;
  message?: string;
}) {
  const errors = props.errors ?? {};
  return (
    <form
      class="limits"
      method="post"
      action={`/accounts/${props.id}/limits`}
      hx-post={`/accounts/${props.id}/limits`}
      hx-target="this"
      hx-swap="outerHTML"
      data-limits={props.id}
    >
      {LIMIT_FIELDS.map(([name, label]) => (
        <label class={errors[name] ? "invalid" : ""}>
          {label}
          <input type="text" inputmode="numeric" name={name} value={String(props.values[name] ?? "")} size={5} />
          {errors[name] ? (
            <span class="field-error" data-error={name}>
              {errors[name]}
            </span>
          ) : null}
        </label>
      ))}
      <button type="submit" class="secondary small">
        Save limits
      </button>
      {errors["(input)"] ? <span class="field-error">{errors["(input)"]}</span> : null}
      {props.message ? <span class="ok small">{props.message}</span> : null}
    </form>
  );
}

const activityKey = (r: ActivityRow) => `${r.activity_type}:${r.item_id}:${r.status}`;

export function registerOtherPages(app: Hono<DashboardEnv>, deps: Deps) {
  app.get("/replies", async (c) => {
    const s = c.req.query("sentiment") ?? "";
    const sentiment =
      s === "unlabelled" || (ReplySentiment.options as readonly string[]).includes(s) ? (s as ReplySentiment | "unlabelled") : undefined;
    const rows = await dashboard.replies(deps.db, { ...(sentiment ? { sentiment } : {}), limit: 200 });
    return page(
      c,
      "Replies",
      "/replies",
      <>
        <form class="filters" method="get" action="/replies">
          <label>
            sentiment
            <select name="sentiment">
              <option value="">any</option>
              {[...ReplySentiment.options, "unlabelled"].map((o) => (
                <option value={o} selected={o === s}>
                  {o}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Filter</button>
        </form>
        <div id="reply-result"></div>
        <table id="replies">
          <thead>
            <tr>
              <th>when (UTC)</th>
              <th>person</th>
              <th>campaign</th>
              <th>sentiment</th>
              <th>reply</th>
              <th>outcome</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colspan={6} class="muted">
                  No replies{sentiment ? ` labelled ${sentiment}` : ""}.
                </td>
              </tr>
            ) : (
              rows.map((r) => (
                <tr>
                  <td class="small">{when(r.replied_at)}</td>
                  <td>
                    <a href={`/people/${r.contact_id}`}>{r.full_name ?? r.email}</a> <span class="muted small">{r.company_name}</span>
                  </td>
                  <td>{r.campaign_id ? <a href={`/campaigns/${r.campaign_id}`}>{r.campaign_name}</a> : "—"}</td>
                  <td>
                    <Badge value={r.reply_sentiment} />
                  </td>
                  <td>{r.reply_text}</td>
                  <td>
                    <div class="actions">
                      {(["meeting_booked", "not_interested", "wrong_person"] as const).map((kind) => (
                        <form
                          method="post"
                          action={`/people/${r.contact_id}/outcome`}
                          hx-post={`/people/${r.contact_id}/outcome`}
                          hx-target="#reply-result"
                        >
                          <input type="hidden" name="kind" value={kind} />
                          <button type="submit" class="secondary small">
                            {kind.replace("_", " ")}
                          </button>
                        </form>
                      ))}
                    </div>
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </>,
    );
  });

  app.get("/accounts", async (c) => {
    const rows = await views.accountHealth(deps.db);
    return page(
      c,
      "Accounts",
      "/accounts",
      <>
        <div id="account-result"></div>
        <table id="accounts">
          <thead>
            <tr>
              <th>account</th>
              <th>type</th>
              <th>status</th>
              <th class="num">health</th>
              <th>warming week</th>
              <th>invitations today</th>
              <th>messages today</th>
              <th>emails today</th>
              <th>hourly limit</th>
              <th>can send</th>
              <th></th>
              <th>limits (per day; hourly)</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => (
              <tr data-account={a.id ?? ""}>
                <td>{a.name}</td>
                <td>{a.type}</td>
                <td>
                  <Badge value={a.status} />
                  {a.limited_until ? <span class="muted small"> until {when(a.limited_until)}</span> : null}
                </td>
                <td class="num">{a.health_score}</td>
                <td>{a.warming_week ?? "—"}</td>
                <td>{`${a.today_connections ?? 0} / ${a.daily_limit_connections ?? 0}`}</td>
                <td>{`${a.today_messages ?? 0} / ${a.daily_limit_messages ?? 0}`}</td>
                <td>{`${a.today_emails ?? 0} / ${a.daily_limit_emails ?? 0}`}</td>
                <td>{a.hourly_limit}</td>
                <td>{a.can_send ? <span class="ok">yes</span> : "no"}</td>
                <td>
                  {a.status === "paused" ? (
                    <form
                      method="post"
                      action={`/accounts/${a.id}/resume`}
                      hx-post={`/accounts/${a.id}/resume`}
                      hx-target="#account-result"
                    >
                      <button type="submit">Resume</button>
                    </form>
                  ) : a.status === "active" || a.status === "warming" ? (
                    <form method="post" action={`/accounts/${a.id}/pause`} hx-post={`/accounts/${a.id}/pause`} hx-target="#account-result">
                      <button type="submit" class="secondary">
                        Pause
                      </button>
                    </form>
                  ) : null}
                </td>
                <td>
                  <AccountLimitsForm
                    id={a.id ?? ""}
                    values={{
                      daily_limit_connections: a.daily_limit_connections,
                      daily_limit_messages: a.daily_limit_messages,
                      daily_limit_emails: a.daily_limit_emails,
                      hourly_limit: a.hourly_limit,
                    }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p class="muted small">Limits are per day (the warming week lowers them); an account with health below 30 sends nothing.</p>
      </>,
    );
  });
  for (const action of ["pause", "resume"] as const) {
    app.post(`/accounts/:id/${action}`, (c) =>
      act(
        c,
        async () => {
          const ctx = { db: deps.db, now: deps.now };
          const r =
            action === "pause"
              ? await pauseAccount(ctx, { account: c.req.param("id") })
              : await resumeAccount(ctx, { account: c.req.param("id") });
          return `${r.account.name}: ${r.previous} → ${r.account.status}. Reload to see the table.`;
        },
        "/accounts",
      ),
    );
  }

  app.post("/accounts/:id/limits", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    const values: Partial<Record<LimitField, string>> = {};
    const limits: Partial<Record<LimitField, number>> = {};
    for (const [name] of LIMIT_FIELDS) {
      const raw = field(form, name);
      values[name] = raw;
      if (raw !== "") limits[name] = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
    }
    let errors: Partial<Record<LimitField | "(input)", string>> = {};
    let message: string | undefined;
    let status: 200 | 422 = 200;
    try {
      const r = await setAccountLimits({ db: deps.db, now: deps.now }, { account: id, limits });
      message = r.changed ? "Saved." : "Nothing to change.";
    } catch (error) {
      if (!OfferlabError.isInstance(error)) throw error;
      status = 422;
      if (ValidationError.isInstance(error))
        errors = Object.fromEntries(
          (error as ValidationError).issues.map((i) => [
            i.field,
            i.field === "(input)" ? i.message : i.message.replace(/\(got NaN\)/, `(got "${values[i.field as LimitField] ?? ""}")`),
          ]),
        );
      else errors = { "(input)": (error as Error).message };
    }
    const body = <AccountLimitsForm id={id} values={values} errors={errors} {...(message ? { message } : {})} />;
    if (isHtmx(c)) {
      // htmx swaps 2xx only: the form with its errors comes back as 200, the data unchanged.
      if (status === 200) c.header("HX-Trigger", "offerlab-changed");
      return c.html(String(body));
    }
    return page(
      c,
      status === 200 ? "Limits saved" : "Limits not saved",
      "/accounts",
      <>
        {status === 200 ? <Flash>{message}</Flash> : <Flash error>Not saved: see the fields.</Flash>}
        {body}
        <p>
          <a href="/accounts">Back</a>
        </p>
      </>,
      status,
    );
  });

  app.get("/activity", async (c) => {
    const rows = await views.activityFeed(deps.db, { limit: 100 });
    return page(
      c,
      "Activity",
      "/activity",
      <>
        <p class="muted small">
          <span id="stream-state">connecting…</span> — new rows appear at the top as they happen.
        </p>
        <table id="activity" data-stream="/activity/stream">
          <thead>
            <tr>
              <th>when (UTC)</th>
              <th>what</th>
              <th>status</th>
              <th>channel</th>
              <th>person</th>
              <th>company</th>
              <th>campaign</th>
              <th>account</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <ActivityRowView r={r} />
            ))}
          </tbody>
        </table>
      </>,
    );
  });

  // Server-sent events: every `pollMs`, the feed's rows not sent before (the view has no change
  // notifications, and LISTEN/NOTIFY is not used anywhere: it does not pass Supabase's pooler).
  app.get("/activity/stream", (c) =>
    streamSSE(c, async (stream) => {
      const seen = new Set((await views.activityFeed(deps.db, { limit: 500 })).map(activityKey));
      let open = true;
      stream.onAbort(() => {
        open = false;
      });
      await stream.writeSSE({ event: "ready", data: "ok" });
      while (open) {
        await stream.sleep(deps.pollMs);
        if (!open) break;
        const rows = await views.activityFeed(deps.db, { limit: 200 });
        const fresh = rows.filter((r) => !seen.has(activityKey(r)));
        for (const r of fresh.reverse()) {
          seen.add(activityKey(r));
          await stream.writeSSE({ event: "activity", data: String(<ActivityRowView r={r} />).replace(/\n/g, " ") });
        }
      }
    }),
  );

  app.get("/tools", async (c) => {
    const [list, usage, sandboxUsage, runs] = await Promise.all([
      tools.list(deps.db),
      views.toolUsageStats(deps.db, { days: 7 }),
      views.toolUsageStats(deps.db, { days: 7, sandbox: true }),
      dashboard.pipelineRuns(deps.db, { limit: 20 }),
    ]);
    const usageOf = (name: string) => usage.find((u) => u.name === name) ?? sandboxUsage.find((u) => u.name === name);
    return page(
      c,
      "Tools",
      "/tools",
      <>
        <table id="tools">
          <thead>
            <tr>
              <th>tool</th>
              <th>type</th>
              <th>status</th>
              <th class="num">calls (7 days)</th>
              <th class="num">credits (7 days)</th>
              <th class="num">mean ms</th>
              <th class="num">credits left</th>
              <th>last error</th>
            </tr>
          </thead>
          <tbody>
            {list.map((t) => {
              const u = usageOf(t.name);
              return (
                <tr>
                  <td>{t.name}</td>
                  <td>{t.type}</td>
                  <td>
                    <Badge value={t.status} />
                  </td>
                  <td class="num">{u?.total_calls ?? 0}</td>
                  <td class="num">{u?.total_credits ?? 0}</td>
                  <td class="num">{u?.avg_duration ? Math.round(u.avg_duration) : "—"}</td>
                  <td class="num">{t.credits_remaining ?? "—"}</td>
                  <td class="small">{t.last_error ? `${when(t.last_error_at)}: ${t.last_error}` : ""}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <h2>Pipeline runs</h2>
        {runs.length === 0 ? (
          <p class="muted" id="no-runs">
            No pipeline run yet (`offerlab discover`, `offerlab enrich`, `offerlab pipeline run`).
          </p>
        ) : (
          <table id="pipeline-runs">
            <thead>
              <tr>
                <th>started (UTC)</th>
                <th>offer</th>
                <th>status</th>
                <th>progress</th>
                <th>step now</th>
                <th>finished (UTC)</th>
                <th>error</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr data-run={r.id}>
                  <td class="small">{when(r.started_at)}</td>
                  <td>
                    {r.offer_name ?? "—"}
                    {r.sandbox ? <span class="muted small"> sandbox</span> : null}
                  </td>
                  <td>
                    <Badge value={r.status} />
                  </td>
                  <td>
                    <progress max={Math.max(1, r.steps_total)} value={r.steps_done}></progress>{" "}
                    <span class="small">{`${r.steps_done}/${r.steps_total} steps`}</span>
                  </td>
                  <td>{r.current_step ?? "—"}</td>
                  <td class="small">{when(r.completed_at)}</td>
                  <td class="small">{r.error_message ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p class="muted small">Progress as of this page's load: reload to follow a running pipeline.</p>
      </>,
    );
  });
}
