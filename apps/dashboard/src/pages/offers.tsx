/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** Offers (list; detail with positioning, ICP, templates with approve, campaigns) and Schedule (today, within the caps). */
import { campaigns, messageTemplates, offers, views } from "@offerlab/db";
import { approveTemplates, experimentReport, listExperiments, type ReportResult } from "@offerlab/operations";
import { describeReason, isReasonCode, predictTodaysSends, todaysOutlook } from "@offerlab/scheduler";
import type { Hono } from "hono";
import { IntervalPlot } from "../chart.js";
import { act, judgingClock, page, type DashboardEnv, type Deps } from "../http.js";
import { Badge, when } from "../layout.js";

/** A JSONB document as an indented, escaped block. */
function Doc(props: { value: unknown }) {
  if (props.value === null || props.value === undefined) return <p class="muted">None yet.</p>;
  return <pre class="doc">{JSON.stringify(props.value, null, 2)}</pre>;
}

const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(1)} %`);
const prob = (x: number | null) => (x === null ? "–" : x.toFixed(3));

/** The arm the verdict names: the winner, or the leader while there is none yet. */
function verdictArm(r: ReportResult): string | null {
  if (r.verdict?.kind === "winner") return r.verdict.armId;
  if (r.verdict?.kind === "no-winner-yet") return r.verdict.leaderArmId;
  return null;
}

/** One experiment's report (`offerlab report --experiment`): per arm rate, 95 % interval, P(best); the verdict; what is maturing. */
export function ExperimentReportView(props: { report: ReportResult }) {
  const r = props.report;
  if (r.subject.type !== "experiment") return null;
  const lead = verdictArm(r);
  // The verdict names arms by their key.
  const isLead = (a: ReportResult["arms"][number]) => a.key === lead;
  return (
    <section class="experiment" data-experiment={r.subject.slug}>
      <h3>
        {r.subject.name} <Badge value={r.subject.status} /> <span class="muted small">{r.subject.slug}</span>
      </h3>
      <p class="small">
        {r.subject.hypothesis}
        <br />
        <span class="muted">
          {`${r.metric.replace("_", " ")} within ${r.maturityDays} days of the first touch, over matured contacts; ${r.comparisonNote}.`}
        </span>
      </p>
      <IntervalPlot
        title={`${r.subject.name}: rate per arm with its 95 % interval`}
        arms={r.arms.map((a) => ({
          key: a.key,
          label: `${a.key}${a.control ? " (control)" : ""}`,
          rate: a.matured === 0 ? null : a.rate,
          low: a.interval.low,
          high: a.interval.high,
          best: r.verdict?.kind === "winner" && isLead(a),
        }))}
      />
      <table class="report">
        <thead>
          <tr>
            <th>arm</th>
            <th class="num">enrolled</th>
            <th class="num">matured</th>
            <th class="num">maturing</th>
            <th class="num">successes</th>
            <th class="num">rate</th>
            <th>95 % interval</th>
            <th class="num">P(best)</th>
          </tr>
        </thead>
        <tbody>
          {r.arms.map((a) => (
            <tr data-arm={a.key}>
              <td>
                {a.key}
                {a.control ? <span class="muted small"> control</span> : null}
                {a.label !== a.key ? <span class="muted small"> {a.label}</span> : null}
              </td>
              <td class="num">{a.enrolled}</td>
              <td class="num">{a.matured}</td>
              <td class="num">{a.maturing}</td>
              <td class="num">{a.successes}</td>
              <td class="num">{pct(a.rate)}</td>
              <td>{a.matured === 0 ? "–" : `${pct(a.interval.low)} – ${pct(a.interval.high)}`}</td>
              <td class="num" data-col="pbest">
                {prob(a.pBest)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class={`verdict ${r.verdict?.kind ?? "none"}`} data-verdict={r.verdict?.kind ?? "none"}>
        <strong>Verdict:</strong> {r.verdict ? r.verdict.message : "needs at least two arms with contacts"}
      </p>
      <p class="small" data-maturing={String(r.maturing)}>
        {`Still maturing: ${r.maturing} contact${r.maturing === 1 ? "" : "s"}, not counted as failures until their ${r.maturityDays} days have passed.`}
        {r.guarantee ? <span class="muted"> {r.guarantee}</span> : null}
      </p>
    </section>
  );
}

const reason = (code: string | null | undefined) => (code ? (isReasonCode(code) ? describeReason(code) : code) : "");

export function registerOfferPages(app: Hono<DashboardEnv>, deps: Deps) {
  app.get("/offers", async (c) => {
    const rows = await views.offerDashboard(deps.db);
    return page(
      c,
      "Offers",
      "/offers",
      <table id="offers">
        <thead>
          <tr>
            <th>offer</th>
            <th>status</th>
            <th class="num">companies</th>
            <th class="num">contacts</th>
            <th class="num">campaigns</th>
            <th class="num">sent</th>
            <th class="num">replies</th>
            <th class="num">meetings</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((o) => (
            <tr>
              <td>
                <a href={`/offers/${o.id}`}>{o.name}</a>
              </td>
              <td>
                <Badge value={o.status} />
              </td>
              <td class="num">{o.company_count ?? 0}</td>
              <td class="num">
                <a href={`/leads?offer=${o.id}`}>{o.contact_count ?? 0}</a>
              </td>
              <td class="num">{o.campaign_count ?? 0}</td>
              <td class="num">{o.campaigns_total_sent ?? 0}</td>
              <td class="num">{o.campaigns_total_replies ?? 0}</td>
              <td class="num">{o.campaigns_total_meetings ?? 0}</td>
            </tr>
          ))}
        </tbody>
      </table>,
    );
  });

  app.get("/offers/:id", async (c) => {
    const offer = await offers.get(deps.db, c.req.param("id"));
    if (!offer)
      return page(
        c,
        "Offer not found",
        "/offers",
        <p>
          No such offer. <a href="/offers">Offers</a>
        </p>,
        404,
      );
    const [templates, list, experimentRows, judged] = await Promise.all([
      messageTemplates.list(deps.db, { offerId: offer.id }),
      campaigns.listByOffer(deps.db, offer.id),
      listExperiments({ db: deps.db }, { offer: offer.id }),
      judgingClock(deps),
    ]);
    // Each experiment's report as `offerlab report --experiment` prints it, on the page's judging clock.
    const reports: ReportResult[] = [];
    for (const row of experimentRows.slice(0, 5))
      reports.push(await experimentReport({ db: deps.db, now: () => judged.at }, { experiment: row.experiment.id }));
    const drafts = templates.filter((t) => t.status === "draft").length;
    return page(
      c,
      offer.name,
      "/offers",
      <>
        <p>
          <Badge value={offer.status} /> {offer.description}
        </p>
        <h2>Campaigns</h2>
        <ul>
          {list.map((x) => (
            <li>
              <a href={`/campaigns/${x.id}`}>{x.name}</a> <Badge value={x.status} />
            </li>
          ))}
        </ul>
        <h2>Experiments</h2>
        {reports.length === 0 ? (
          <p class="muted" id="no-experiments">
            No experiment on this offer yet (offerlab experiments new).
          </p>
        ) : (
          <div id="experiments">
            {reports.map((r) => (
              <ExperimentReportView report={r} />
            ))}
            {experimentRows.length > reports.length ? (
              <p class="muted small">{`${experimentRows.length - reports.length} older experiment(s): offerlab experiments list`}</p>
            ) : null}
            {judged.data ? <p class="muted small">{`Maturity judged at ${when(judged.at)} UTC, the data's clock.`}</p> : null}
          </div>
        )}
        <h2>Templates</h2>
        <div id="template-result"></div>
        {drafts ? (
          <form
            method="post"
            action={`/offers/${offer.id}/approve`}
            hx-post={`/offers/${offer.id}/approve`}
            hx-target="#template-result"
            class="actions"
          >
            <button type="submit">{`Approve the ${drafts} draft${drafts === 1 ? "" : "s"} (after the lint)`}</button>
          </form>
        ) : null}
        <table id="templates">
          <thead>
            <tr>
              <th>name</th>
              <th>channel</th>
              <th class="num">step</th>
              <th>status</th>
              <th>subject</th>
              <th>body</th>
            </tr>
          </thead>
          <tbody>
            {templates.map((t) => (
              <tr>
                <td>{t.name}</td>
                <td>{t.channel}</td>
                <td class="num">{t.sequence_step ?? "—"}</td>
                <td>
                  <Badge value={t.status} />
                </td>
                <td>{t.subject}</td>
                <td class="small">{t.body}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div class="grid2">
          <div>
            <h2>Positioning canvas</h2>
            <Doc value={offer.positioning} />
          </div>
          <div>
            <h2>ICP</h2>
            <Doc value={offer.icp} />
          </div>
        </div>
      </>,
    );
  });

  app.post("/offers/:id/approve", (c) =>
    act(
      c,
      async () => {
        const r = await approveTemplates({ db: deps.db, now: deps.now }, { offer: c.req.param("id") });
        return `Approved ${r.approved.length} template${r.approved.length === 1 ? "" : "s"}${r.warnings.length ? `; warnings: ${r.warnings.map((w) => `${w.name}: ${w.message}`).join("; ")}` : ""}.`;
      },
      `/offers/${c.req.param("id")}`,
    ),
  );

  app.get("/schedule", async (c) => {
    const [rows, todays] = await Promise.all([
      views.todaysSchedule(deps.db, { limit: 500 }),
      predictTodaysSends(deps.db, { now: deps.now() }),
    ]);
    const goes = rows.filter((r) => todaysOutlook(todays, r)?.at).length;
    // Sends after what their account can still send today (or of an account that sends nothing
    // today): counted, not replayed, grouped by why.
    const later = new Map<string, number>();
    for (const w of todays.waiting) later.set(w.reason, (later.get(w.reason) ?? 0) + w.count);
    const capacityReasons = ["daily_cap", "hourly_cap", "account_warming_cap"];
    const capacity = capacityReasons.reduce((n, k) => n + (later.get(k) ?? 0), 0);
    const blocked = [...later].filter(([k]) => !capacityReasons.includes(k));
    return page(
      c,
      "Today's schedule",
      "/schedule",
      <>
        <p>
          {`${goes} of ${rows.length} sends queued for today go out today`}{" "}
          <span class="muted small">(the send path replayed over the queue, within each account's limits and the window)</span>
        </p>
        {capacity > 0 ? (
          <p id="schedule-later">
            {`${capacity} more wait for tomorrow's capacity`}{" "}
            <span class="muted small">
              (their accounts' daily or hourly limits are used by the sends before them, in the order the runners take them; counted, not
              replayed)
            </span>
          </p>
        ) : null}
        {blocked.map(([k, n]) => (
          <p class="schedule-blocked">{`${n} more do not go out today: ${reason(k)}`}</p>
        ))}
        <table id="schedule">
          <thead>
            <tr>
              <th>planned (UTC)</th>
              <th>expected (UTC)</th>
              <th>channel</th>
              <th>person</th>
              <th>campaign</th>
              <th>account</th>
              <th>outlook</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colspan={7} class="muted">
                  Nothing scheduled today.
                </td>
              </tr>
            ) : (
              rows.map((r) => {
                const s = todaysOutlook(todays, r);
                return (
                  <tr>
                    <td class="small">{when(r.scheduled_for)}</td>
                    <td class="small">{s?.at ? when(s.at) : s?.skipped ? "never" : "not today"}</td>
                    <td>{r.channel}</td>
                    <td>{r.contact_name}</td>
                    <td>{r.campaign_name}</td>
                    <td>{r.account_name}</td>
                    <td class="small">{s && !s.at ? reason(s.reason) : ""}</td>
                  </tr>
                );
              })
            )}
          </tbody>
        </table>
      </>,
    );
  });
}
