/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Person: everything `offerlab why` knows (the rows across offers, campaigns, timeline, sends
 * and their reasons, outcomes, whether a new campaign may start with them) and the actions:
 * suppress, edit, record an outcome, un-pause.
 */
import { ContactStatus, OutcomeKind } from "@offerlab/core";
import { dashboard, outcomes, personHistory, suppressions, type PersonEvent } from "@offerlab/db";
import { addSuppression, editContact, recordOutcome, unpauseContact } from "@offerlab/operations";
import { checkEligibility, describeReason, isReasonCode } from "@offerlab/scheduler";
import type { Hono } from "hono";
import { act, field, formOf, judgingClock, page, type DashboardEnv, type Deps } from "../http.js";
import { Badge, when } from "../layout.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function reasonText(reason: string | null, coolingOffDays: number): string | null {
  if (!reason) return null;
  return isReasonCode(reason) ? describeReason(reason, { coolingOffDays }) : reason;
}

function eventLine(e: PersonEvent): string {
  return [e.kind.replace("_", " "), e.status, e.detail].filter(Boolean).join(" · ");
}

async function loadPerson(deps: Deps, id: string) {
  const keys = UUID.test(id) ? await dashboard.personKeys(deps.db, id) : undefined;
  if (!keys) return null;
  const first = await personHistory(deps.db, { email: keys.email, linkedinUrl: keys.linkedin_url });
  if (!first) return null;
  const email = keys.email ?? first.contacts.map((c) => c.email).find(Boolean) ?? null;
  const linkedinUrl = keys.linkedin_url ?? first.contacts.map((c) => c.linkedin_url).find(Boolean) ?? null;
  const history = (await personHistory(deps.db, { email, linkedinUrl })) ?? first;
  const contactIds = history.contacts.map((c) => c.id);
  const found = await suppressions.forContacts(deps.db, contactIds);
  const suppression = history.contacts.map((c) => found.get(c.id)).find(Boolean) ?? null;
  const personOutcomes = await outcomes.list(deps.db, { contactIds });
  const judged = await judgingClock(deps);
  const clock = judged.at;
  const eligibility = checkEligibility(
    {
      rows: history.contacts.map((c) => ({
        global_status: c.global_status,
        status: c.status,
        eligible_for_outreach: c.eligible_for_outreach,
        connection_degree: null,
      })),
      lastTouchAt: history.lastTouchAt,
      suppressed: suppression !== null,
    },
    { isFirstTouch: true, action: "email", now: clock, coolingOffDays: history.coolingOffDays },
  );
  return { keys, history, suppression, outcomes: personOutcomes, eligibility, clock, dataClock: judged.data };
}

export function registerPersonPages(app: Hono<DashboardEnv>, deps: Deps) {
  app.get("/people/:id", async (c) => {
    const id = c.req.param("id");
    const p = await loadPerson(deps, id);
    if (!p)
      return page(
        c,
        "Person not found",
        "/leads",
        <p>
          No contact {id}. <a href="/leads">Leads</a>
        </p>,
        404,
      );
    const { history: h, eligibility } = p;
    const contact = h.contacts.find((x) => x.id === id) ?? h.contacts[0];
    const paused = h.campaigns.filter((x) => x.paused_until !== null && x.status !== "completed");
    const form = (action: string, body: unknown, label: string, cls = "") => (
      <form
        method="post"
        action={`/people/${id}/${action}`}
        hx-post={`/people/${id}/${action}`}
        hx-target="#person-result"
        class="actions"
        data-form={action}
      >
        {body}
        <button type="submit" class={cls}>
          {label}
        </button>
      </form>
    );
    return page(
      c,
      p.keys.full_name ?? p.keys.email ?? "Person",
      "/leads",
      <>
        <p>
          {[h.email, h.linkedinUrl].filter(Boolean).join(" · ")} {contact ? <Badge value={contact.global_status} /> : null}
        </p>
        <p id="eligibility">
          {eligibility.ok ? (
            <span class="ok">A new campaign may start with this person now.</span>
          ) : (
            <span>
              A new campaign may not start with this person: {describeReason(eligibility.reason, { coolingOffDays: h.coolingOffDays })}
            </span>
          )}
          {p.suppression ? <span class="badge do_not_contact"> suppressed: {p.suppression.reason}</span> : null}{" "}
          <span class="muted small" id="eligibility-clock">
            {p.dataClock ? `(judged at ${when(p.clock)} UTC, the data's clock)` : `(judged at ${when(p.clock)} UTC)`}
          </span>
        </p>
        <h2>Actions</h2>
        <div id="person-result"></div>
        {form("suppress", <input type="text" name="reason" placeholder="why (required)" required />, "Suppress", "danger")}
        {form(
          "edit",
          <>
            <select name="status">
              <option value="">status unchanged</option>
              {ContactStatus.options
                .filter((s) => ["new", "enriched", "ready", "skip", "unsubscribed"].includes(s))
                .map((s) => (
                  <option value={s}>{s}</option>
                ))}
            </select>
            <input type="text" name="notes" placeholder="notes (replace)" value={h.contacts.length ? "" : ""} />
          </>,
          "Save",
          "secondary",
        )}
        {form(
          "outcome",
          <>
            <select name="kind">
              {OutcomeKind.options.map((k) => (
                <option value={k}>{k}</option>
              ))}
            </select>
            <input type="text" name="note" placeholder="note" />
          </>,
          "Record outcome",
        )}
        {paused.length
          ? paused.map((cc) =>
              form(
                "unpause",
                <input type="hidden" name="campaign" value={cc.campaign_id} />,
                `Un-pause in ${cc.campaign} (paused until ${when(cc.paused_until)})`,
                "secondary",
              ),
            )
          : null}
        <h2>Rows (across offers)</h2>
        <table>
          <thead>
            <tr>
              <th>offer</th>
              <th>name</th>
              <th>company</th>
              <th>status</th>
              <th>global</th>
              <th>eligible</th>
              <th>skip reason</th>
            </tr>
          </thead>
          <tbody>
            {h.contacts.map((x) => (
              <tr>
                <td>{x.offer}</td>
                <td>
                  <a href={`/people/${x.id}`}>{x.full_name}</a>
                </td>
                <td>{x.company}</td>
                <td>
                  <Badge value={x.status} />
                </td>
                <td>
                  <Badge value={x.global_status} />
                </td>
                <td>{x.eligible_for_outreach ? "yes" : "no"}</td>
                <td>{x.skip_reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>Campaigns</h2>
        <table>
          <thead>
            <tr>
              <th>campaign</th>
              <th>state</th>
              <th class="num">step</th>
              <th class="num">touches</th>
              <th>replied</th>
              <th>next step</th>
              <th>stop reason</th>
            </tr>
          </thead>
          <tbody>
            {h.campaigns.map((x) => (
              <tr>
                <td>
                  <a href={`/campaigns/${x.campaign_id}`}>{x.campaign}</a>
                </td>
                <td>
                  <Badge value={x.status} />
                </td>
                <td class="num">{x.current_step}</td>
                <td class="num">{x.touches}</td>
                <td>{x.replied ? (x.reply_sentiment ?? "yes") : "no"}</td>
                <td>{when(x.next_step_at)}</td>
                <td>{x.stop_reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>Outcomes</h2>
        {p.outcomes.length === 0 ? (
          <p class="muted" id="no-outcomes">
            None recorded.
          </p>
        ) : (
          <ul id="outcomes">
            {p.outcomes.map((o) => (
              <li>
                {when(o.occurred_at)} · <strong>{o.kind}</strong> · {o.source}
                {o.note ? ` · ${o.note}` : ""}
              </li>
            ))}
          </ul>
        )}
        <h2>Timeline</h2>
        <table id="timeline">
          <thead>
            <tr>
              <th>when (UTC)</th>
              <th>where</th>
              <th>what</th>
              <th>why</th>
            </tr>
          </thead>
          <tbody>
            {h.timeline.map((e) => (
              <tr>
                <td class="small">{when(e.at)}</td>
                <td>{[e.campaign, e.step !== null ? `step ${e.step}` : null, e.channel].filter(Boolean).join(" · ")}</td>
                <td>{eventLine(e)}</td>
                <td class="small">{reasonText(e.reason, h.coolingOffDays)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </>,
    );
  });

  const ctx = () => ({ db: deps.db, now: deps.now });
  app.post("/people/:id/suppress", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    return act(
      c,
      async () => {
        const keys = UUID.test(id) ? await dashboard.personKeys(deps.db, id) : undefined;
        const value = keys?.email ?? keys?.linkedin_url ?? "";
        const r = await addSuppression(ctx(), { value, reason: field(form, "reason") });
        return `${r.created ? "Suppressed" : "Already suppressed"} (${r.suppression.kind} ${r.suppression.value}): ${r.cancelled} pending send${r.cancelled === 1 ? "" : "s"} cancelled.`;
      },
      `/people/${id}`,
    );
  });
  app.post("/people/:id/edit", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    return act(
      c,
      async () => {
        const status = field(form, "status");
        const notes = field(form, "notes");
        const r = await editContact(ctx(), { contact: id, ...(status ? { status } : {}), ...(notes ? { notes } : {}) });
        return r.changed.length ? `Saved: ${r.changed.join(", ")} changed.` : "Nothing to change.";
      },
      `/people/${id}`,
    );
  });
  app.post("/people/:id/outcome", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    return act(
      c,
      async () => {
        const note = field(form, "note");
        const r = await recordOutcome(ctx(), { person: id, kind: field(form, "kind"), ...(note ? { note } : {}) });
        return `Recorded ${r.outcome.kind}.`;
      },
      `/people/${id}`,
    );
  });
  app.post("/people/:id/unpause", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    return act(
      c,
      async () => {
        const campaign = field(form, "campaign");
        await unpauseContact(ctx(), { contact: id, ...(campaign ? { campaign } : {}) });
        return "Un-paused: the next step is planned again.";
      },
      `/people/${id}`,
    );
  });
}
