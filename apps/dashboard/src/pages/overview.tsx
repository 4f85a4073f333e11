/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** Overview: KPI tiles per offer, daily sends and replies, alerts. */
import { campaignAdmin, dashboard, views } from "@offerlab/db";
import { checkLaunch, describeUnknownOutcomes, unknownOutcomes } from "@offerlab/scheduler";
import type { Hono } from "hono";
import { page, type DashboardEnv, type Deps } from "../http.js";
import { DailyChart } from "../chart.js";
import { Rate, when } from "../layout.js";

/** Active campaigns whose launch checks no longer pass: they cannot send (their contexts read in one batch). */
async function campaignsThatCannotSend(deps: Deps) {
  const active = (await views.campaignPerformance(deps.db)).filter((r) => r.status === "active" && r.id);
  const contexts = await campaignAdmin.launchContexts(
    deps.db,
    active.map((c) => c.id!),
  );
  const out: { id: string; name: string; problems: string[] }[] = [];
  for (const c of active) {
    const launch = contexts.get(c.id!);
    if (!launch) continue;
    const check = checkLaunch({ ...launch, offer: { status: launch.offer.status } });
    if (check.problems.length)
      out.push({ id: c.id!, name: c.name ?? c.id!, problems: check.problems.map((p) => `${p.field}: ${p.message}`) });
  }
  return out;
}

export function registerOverview(app: Hono<DashboardEnv>, deps: Deps) {
  app.get("/", async (c) => {
    const now = deps.now();
    // A database whose last send is older than the chart (a sandbox's simulated weeks, a quiet
    // spell) gets the chart of its last active fortnight, said as such.
    const last = await dashboard.lastSendAt(deps.db);
    const chartEnd = last && last.getTime() < now.getTime() - 13 * 86_400_000 ? last : now;
    const [kpis, daily, accounts, tools, unknown, blocked] = await Promise.all([
      dashboard.offerKpis(deps.db),
      dashboard.daily(deps.db, { now: chartEnd, days: 14 }),
      dashboard.accountAlerts(deps.db, now),
      dashboard.lowCreditTools(deps.db, deps.lowCredits),
      unknownOutcomes(deps.db, { now }),
      campaignsThatCannotSend(deps),
    ]);
    const unknownText = describeUnknownOutcomes(unknown, now);
    const alertCount = accounts.length + tools.length + (unknownText ? 1 : 0) + blocked.length;
    return page(
      c,
      "Overview",
      "/",
      <>
        <h2>Offers</h2>
        {kpis.length === 0 ? (
          <p class="muted">No offers yet: `offerlab offers create`, or run `pnpm demo` and open this page with --sandbox.</p>
        ) : (
          <div class="tiles">
            {kpis.map((k) => (
              <section class="tile" data-offer={k.offer_id}>
                <h3>
                  <a href={`/leads?offer=${k.offer_id}`}>{k.offer_name}</a> <span class="muted small">{k.status}</span>
                </h3>
                <dl>
                  <dt>contacts</dt>
                  <dd>
                    <a href={`/leads?offer=${k.offer_id}`}>{k.contacts}</a>
                  </dd>
                  <dt>contacted</dt>
                  <dd>{k.contacted}</dd>
                  <dt>reply rate</dt>
                  <dd>
                    <Rate n={k.replied} d={k.contacted} />
                  </dd>
                  <dt>positive (of replies)</dt>
                  <dd>
                    <Rate n={k.positive} d={k.replied} />
                  </dd>
                  <dt>meeting rate</dt>
                  <dd>
                    <Rate n={k.meetings} d={k.contacted} />
                  </dd>
                </dl>
              </section>
            ))}
          </div>
        )}
        <p class="muted small">Rates are per person: replies and meetings of the people contacted, positive of the people who replied.</p>
        <h2>Daily sends and replies</h2>
        {chartEnd !== now ? (
          <p class="muted small">No send in the last 14 days: the chart ends at the last send ({when(chartEnd)} UTC).</p>
        ) : null}
        <DailyChart points={daily} />
        <h2>Alerts {alertCount ? <span class="badge paused">{alertCount}</span> : null}</h2>
        {alertCount === 0 ? (
          <p class="ok" id="no-alerts">
            Nothing needs you.
          </p>
        ) : (
          <ul class="alerts" id="alerts">
            {accounts.map((a) => (
              <li class="bad" data-alert="account">
                Account <a href="/accounts">{a.name}</a> is {a.status}
                {a.limited_until && a.limited_until > now ? ` (limited until ${when(a.limited_until)} UTC)` : ""}
                {a.health_score < 30 ? ` (health ${a.health_score} < 30)` : ""}: it sends nothing.
              </li>
            ))}
            {tools.map((t) => (
              <li data-alert="credits">
                <a href="/tools">{t.name}</a>: {String(t.credits_remaining)} credits left (below {deps.lowCredits}).
              </li>
            ))}
            {unknownText ? <li data-alert="unknown-outcome">{unknownText}</li> : null}
            {blocked.map((b) => (
              <li class="bad" data-alert="campaign">
                Campaign <a href={`/campaigns/${b.id}`}>{b.name}</a> cannot send: {b.problems.join("; ")}
              </li>
            ))}
          </ul>
        )}
      </>,
    );
  });
}
