/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** Offers (list; detail with positioning, ICP, templates with approve, campaigns) and Schedule (today, within the caps). */
import { campaigns, messageTemplates, offers, views } from "@offerlab/db";
import { approveTemplates } from "@offerlab/operations";
import { describeReason, isReasonCode, predictTodaysSends } from "@offerlab/scheduler";
import type { Hono } from "hono";
import { act, page, type DashboardEnv, type Deps } from "../http.js";
import { Badge, when } from "../layout.js";

/** A JSONB document as an indented, escaped block. */
function Doc(props: { value: unknown }) {
  if (props.value === null || props.value === undefined) return <p class="muted">None yet.</p>;
  return <pre class="doc">{JSON.stringify(props.value, null, 2)}</pre>;
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
    const [templates, list] = await Promise.all([
      messageTemplates.list(deps.db, { offerId: offer.id }),
      campaigns.listByOffer(deps.db, offer.id),
    ]);
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
    const [rows, { sends }] = await Promise.all([
      views.todaysSchedule(deps.db, { limit: 500 }),
      predictTodaysSends(deps.db, { now: deps.now() }),
    ]);
    const goes = rows.filter((r) => r.id && sends.get(r.id)?.at).length;
    return page(
      c,
      "Today's schedule",
      "/schedule",
      <>
        <p>
          {`${goes} of ${rows.length} sends queued for today go out today`}{" "}
          <span class="muted small">(the send path replayed over the queue, within each account's limits and the window)</span>
        </p>
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
                const s = r.id ? sends.get(r.id) : undefined;
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
