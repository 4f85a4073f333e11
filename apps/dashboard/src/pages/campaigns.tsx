/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** Campaigns: the list with status and pause/resume/cancel; a campaign's funnel, steps, variants, chart, contacts. */
import { OfferlabError } from "@offerlab/core";
import { campaigns, dashboard, views } from "@offerlab/db";
import { cancelCampaign, forecastCampaign, pauseCampaign, resumeCampaign, type ForecastCampaignResult } from "@offerlab/operations";
import type { Hono } from "hono";
import { judgingClock, page, type Ctx, type DashboardEnv, type Deps } from "../http.js";
import { DailyChart } from "../chart.js";
import { Badge, Flash, Rate, when } from "../layout.js";

/** The status and the buttons that apply to it; actions swap this block. */
export function CampaignActions(props: { id: string; status: string; message?: string; error?: boolean }) {
  const post = (action: string, label: string, cls = "", confirm?: string) => (
    <form
      method="post"
      action={`/campaigns/${props.id}/${action}`}
      hx-post={`/campaigns/${props.id}/${action}`}
      hx-target="closest .campaign-actions"
      hx-swap="outerHTML"
      {...(confirm ? { "hx-confirm": confirm } : {})}
    >
      <button type="submit" class={cls} data-action={action}>
        {label}
      </button>
    </form>
  );
  return (
    <div class="campaign-actions actions" id={`actions-${props.id}`}>
      <Badge value={props.status} />
      {props.status === "active" ? post("pause", "Pause", "secondary") : null}
      {props.status === "paused" || props.status === "ready" ? post("resume", props.status === "ready" ? "Launch" : "Resume") : null}
      {["draft", "ready", "active", "paused"].includes(props.status)
        ? post("cancel", "Cancel", "danger", "Cancel this campaign? It cannot be restarted.")
        : null}
      {props.message ? <Flash error={props.error}>{props.message}</Flash> : null}
    </div>
  );
}

/** The forecast `offerlab campaigns forecast` prints (the same operation): when it finishes, per action, and its bottleneck. */
export function CampaignForecastView(props: { result: ForecastCampaignResult | null; error?: string }) {
  if (!props.result)
    return (
      <p class="muted" id="forecast">
        No forecast: {props.error}
      </p>
    );
  const { forecast: f, campaign, paused } = props.result;
  return (
    <div id="forecast">
      <p>
        <strong>
          {f.contacts === 0
            ? "Nothing left to send."
            : f.finishes
              ? `Finishes ${f.finishDate}: ${f.calendarDays} calendar day${f.calendarDays === 1 ? "" : "s"}, ${f.sendDays} send day${f.sendDays === 1 ? "" : "s"}.`
              : "Never finishes with the current accounts (see the bottleneck)."}
        </strong>{" "}
        <span class="muted small">
          {`${f.contacts} contact${f.contacts === 1 ? "" : "s"} still in sequence`}
          {paused ? `, ${paused} paused for a human (not counted)` : ""}
        </span>
      </p>
      <p class="bottleneck" id="bottleneck">
        Bottleneck: {f.bottleneck ? f.bottleneck.reason : "none: every due send fits the day it is due."}
      </p>
      {f.blocked.length ? (
        <ul class="alerts">
          {f.blocked.map((b) => (
            <li class="bad">{`${b.action}: no account of this campaign can send it (${b.reason})`}</li>
          ))}
        </ul>
      ) : null}
      {f.actions.length ? (
        <table id="forecast-actions">
          <thead>
            <tr>
              <th>action</th>
              <th class="num">sends left</th>
              <th class="num">a full day holds</th>
              <th class="num">days it waited</th>
              <th>limit that ran out</th>
            </tr>
          </thead>
          <tbody>
            {f.actions.map((a) => (
              <tr>
                <td>{a.action}</td>
                <td class="num">{Math.round(a.sends)}</td>
                <td class="num">{a.capacityPerDay}</td>
                <td class="num">{a.daysLimited}</td>
                <td>{a.limit ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <p class="muted small">
        {`Assumes ${Math.round(f.assumptions.acceptanceRate * 100)}% of invitations accepted, ${f.assumptions.gapSeconds} s between two sends of an account, time zone ${f.assumptions.timeZone}, from ${f.assumptions.today}.`}
        {campaign.status !== "active" ? ` The campaign is ${campaign.status}: the forecast counts from today as if it were active.` : ""}
      </p>
    </div>
  );
}

async function campaignAction(c: Ctx, deps: Deps, action: "pause" | "resume" | "cancel") {
  const id = c.req.param("id") ?? "";
  let message: string;
  let error = false;
  try {
    const ctx = { db: deps.db, now: deps.now };
    if (action === "pause") await pauseCampaign(ctx, { campaign: id });
    else if (action === "resume") await resumeCampaign(ctx, { campaign: id });
    else await cancelCampaign(ctx, { campaign: id, confirm: true });
    message =
      action === "pause"
        ? "Paused: nothing of it is planned or sent until it is resumed."
        : action === "resume"
          ? "Running."
          : "Cancelled.";
  } catch (e) {
    if (!OfferlabError.isInstance(e)) throw e;
    message = (e as Error).message;
    error = true;
  }
  const campaign = await campaigns.get(deps.db, id);
  if (c.req.header("HX-Request") !== "true") return c.redirect(`/campaigns/${id}`, 303);
  return c.html(String(<CampaignActions id={id} status={campaign?.status ?? "unknown"} message={message} error={error} />));
}

export function registerCampaignPages(app: Hono<DashboardEnv>, deps: Deps) {
  app.get("/campaigns", async (c) => {
    const rows = await views.campaignPerformance(deps.db);
    return page(
      c,
      "Campaigns",
      "/campaigns",
      rows.length === 0 ? (
        <p class="muted">No campaigns yet.</p>
      ) : (
        <table id="campaigns">
          <thead>
            <tr>
              <th>campaign</th>
              <th>offer</th>
              <th class="num">enrolled</th>
              <th class="num">contacted</th>
              <th>reply rate</th>
              <th>positive (of replies)</th>
              <th>meeting rate</th>
              <th>status</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr data-campaign={r.id ?? ""}>
                <td>
                  <a href={`/campaigns/${r.id}`}>{r.name}</a>
                </td>
                <td>{r.offer_name}</td>
                <td class="num">
                  <a href={`/leads?campaign=${r.id}`}>{r.total_contacts ?? 0}</a>
                </td>
                <td class="num">{r.contacts_sent ?? 0}</td>
                <td>
                  <Rate n={r.total_replied ?? 0} d={r.contacts_sent ?? 0} />
                </td>
                <td>
                  <Rate n={r.total_positive_replies ?? 0} d={r.total_replied ?? 0} />
                </td>
                <td>
                  <Rate n={r.total_meetings ?? 0} d={r.contacts_sent ?? 0} />
                </td>
                <td>
                  <CampaignActions id={r.id ?? ""} status={r.status ?? "unknown"} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ),
    );
  });

  app.get("/campaigns/:id", async (c) => {
    const id = c.req.param("id");
    const campaign = /^[0-9a-f-]{36}$/i.test(id) ? await campaigns.get(deps.db, id) : undefined;
    if (!campaign)
      return page(
        c,
        "Campaign not found",
        "/campaigns",
        <p>
          No campaign {id}. <a href="/campaigns">All campaigns</a>
        </p>,
        404,
      );
    const now = deps.now();
    const last = await dashboard.lastSendAt(deps.db);
    const chartEnd = last && last.getTime() < now.getTime() - 13 * 86_400_000 ? last : now;
    const forecastOf = async (): Promise<{ result: ForecastCampaignResult | null; error?: string }> => {
      try {
        const judged = await judgingClock(deps);
        return { result: await forecastCampaign({ db: deps.db, now: () => judged.at }, { campaign: campaign.id }) };
      } catch (e) {
        if (!OfferlabError.isInstance(e)) throw e;
        return { result: null, error: (e as Error).message };
      }
    };
    const [funnel, steps, variants, daily, people, forecast] = await Promise.all([
      dashboard.campaignFunnel(deps.db, campaign.id),
      dashboard.campaignBreakdown(deps.db, campaign.id, "step"),
      dashboard.campaignBreakdown(deps.db, campaign.id, "variant"),
      dashboard.daily(deps.db, { now: chartEnd, days: 14, campaignId: campaign.id }),
      dashboard.campaignContacts(deps.db, campaign.id),
      forecastOf(),
    ]);
    const stages: [string, number, number][] = [
      ["enrolled", funnel.enrolled, funnel.enrolled],
      ["contacted", funnel.contacted, funnel.enrolled],
      ["connected (LinkedIn)", funnel.connected, funnel.contacted],
      ["replied", funnel.replied, funnel.contacted],
      ["positive", funnel.positive, funnel.replied],
      ["meetings", funnel.meetings, funnel.contacted],
    ];
    const breakdown = (rows: typeof steps, keyTitle: string, subTitle: string) => (
      <table>
        <thead>
          <tr>
            <th>{keyTitle}</th>
            <th>{subTitle}</th>
            <th class="num">sent</th>
            <th>opened</th>
            <th>replied</th>
            <th>positive (of replies)</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colspan={6} class="muted">
                Nothing sent yet.
              </td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr>
                <td>{r.key}</td>
                <td>{r.sub}</td>
                <td class="num">{r.sent}</td>
                <td>
                  <Rate n={r.opened} d={r.sent} />
                </td>
                <td>
                  <Rate n={r.replied} d={r.sent} />
                </td>
                <td>
                  <Rate n={r.positive} d={r.replied} />
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    );
    return page(
      c,
      campaign.name,
      "/campaigns",
      <>
        <CampaignActions id={campaign.id} status={campaign.status} />
        <p class="muted small">
          {campaign.channel} · window {campaign.send_window_start}–{campaign.send_window_end} {campaign.timezone}
        </p>
        <h2>Funnel (people)</h2>
        <table id="funnel">
          <tbody>
            {stages.map(([label, n, d]) => (
              <tr>
                <th>{label}</th>
                <td class="num">{n}</td>
                <td>{label === "enrolled" ? "" : <Rate n={n} d={d} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>Forecast</h2>
        <CampaignForecastView result={forecast.result} {...(forecast.error ? { error: forecast.error } : {})} />
        <h2>Daily</h2>
        <DailyChart points={daily} />
        <div class="grid2">
          <div>
            <h2>Per step (messages)</h2>
            {breakdown(steps, "step", "channel")}
          </div>
          <div>
            <h2>Per variant (messages)</h2>
            {breakdown(variants, "variant", "step")}
          </div>
        </div>
        <h2>
          Contacts ({people.length}
          {people.length === 200 ? "+" : ""}){" "}
          <a class="small" href={`/leads?campaign=${campaign.id}`}>
            in the leads table
          </a>
        </h2>
        <table id="campaign-contacts">
          <thead>
            <tr>
              <th>person</th>
              <th>company</th>
              <th>state</th>
              <th class="num">step</th>
              <th class="num">touches</th>
              <th>reply</th>
              <th>next step</th>
            </tr>
          </thead>
          <tbody>
            {people.map((p) => (
              <tr>
                <td>
                  <a href={`/people/${p.contact_id}`}>{p.full_name ?? p.email ?? p.contact_id}</a>
                </td>
                <td>{p.company_name}</td>
                <td>
                  <Badge value={p.status} /> {p.stop_reason ? <span class="muted small">{p.stop_reason}</span> : null}
                </td>
                <td class="num">{p.current_step}</td>
                <td class="num">{p.touches}</td>
                <td>{p.replied ? (p.reply_sentiment ?? "replied") : "—"}</td>
                <td>{when(p.next_step_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </>,
    );
  });

  for (const action of ["pause", "resume", "cancel"] as const) app.post(`/campaigns/:id/${action}`, (c) => campaignAction(c, deps, action));
}
