/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Leads: the Clay-style table of every contact with company, email and status; server-side
 * filters, search, sort and keyset paging, all in the URL; bulk suppress and CSV export on the
 * selection or the whole filter.
 */
import { ContactStatus, EmailStatus, GlobalContactStatus, OutcomeKind, ValidationError } from "@offerlab/core";
import { dashboard, LEADS_SORTS, SAVED_VIEW_NAME_MAX, savedViews, type LeadRow, type LeadsFilter, type LeadsSort } from "@offerlab/db";
import {
  checkOutcomes,
  deleteView,
  enrolContacts,
  MAX_ENROL_SELECTION,
  MAX_OUTCOME_SELECTION,
  MAX_SUPPRESS_SELECTION,
  recordOutcomes,
  saveView,
  suppressContacts,
  viewQuery,
} from "@offerlab/operations";
import type { Hono } from "hono";
import type { Child } from "hono/jsx";
import { act, field, formOf, isHtmx, page, type Ctx, type DashboardEnv, type Deps } from "../http.js";
import { Badge } from "../layout.js";
import { CSRF_FIELD } from "../security.js";

/** The leads count stops here ("10,000+"). */
const LEADS_COUNT_CAP = 10_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The URL's filter keys (the names people share in links). */
const KEYS = ["offer", "campaign", "status", "global", "fit", "email", "degree", "signal", "q"] as const;
type Params = Partial<Record<(typeof KEYS)[number] | "sort" | "dir" | "after" | "cols", string>>;

/** A column of the table: its key in the URL's `cols`, its heading and its cell. */
interface Column {
  key: string;
  label: string;
  sort?: LeadsSort;
  title?: string;
  cell: (r: LeadRow) => Child;
}

/** The columns one can choose (the name and the selection box always show), in table order. */
export const LEAD_COLUMNS: readonly Column[] = [
  { key: "title", label: "title", cell: (r) => r.title },
  {
    key: "company",
    label: "company",
    sort: "company",
    cell: (r) => (
      <>
        {r.company_name} {r.domain ? <span class="muted small">{r.domain}</span> : null}
      </>
    ),
  },
  { key: "email", label: "email", cell: (r) => r.email },
  { key: "email_status", label: "email status", cell: (r) => <Badge value={r.email_status} /> },
  { key: "degree", label: "deg", cell: (r) => r.connection_degree ?? "—" },
  { key: "fit", label: "fit", sort: "fit", cell: (r) => r.fit_score ?? "—" },
  { key: "status", label: "status", sort: "status", cell: (r) => <Badge value={r.status} /> },
  { key: "global", label: "global", cell: (r) => <Badge value={r.global_status} /> },
  {
    key: "campaign",
    label: "campaign",
    cell: (r) => (
      <>
        {r.campaign_id ? <a href={`/campaigns/${r.campaign_id}`}>{r.campaign_name}</a> : <span class="muted">—</span>}
        {r.campaign_contact_status ? <span class="muted small"> {r.campaign_contact_status}</span> : null}
      </>
    ),
  },
  {
    key: "added",
    label: "added to database",
    sort: "created",
    title: "when the row was added to this database (not when the person was found or contacted)",
    cell: (r) => (r.created_at instanceof Date ? r.created_at.toISOString().slice(0, 10) : String(r.created_at).slice(0, 10)),
  },
];
const COLUMN_KEYS = LEAD_COLUMNS.map((c) => c.key);

/** The columns of a URL's `cols` (comma-separated keys, in any order; none or every one: all), and what was wrong. */
export function parseColumns(cols: string | undefined): { columns: Column[]; cols: string | undefined; problems: string[] } {
  const keys = (cols ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  const problems = keys.filter((k) => !COLUMN_KEYS.includes(k)).map((k) => `cols: "${k}" is not one of ${COLUMN_KEYS.join(", ")}`);
  const chosen = LEAD_COLUMNS.filter((c) => keys.includes(c.key));
  if (chosen.length === 0 || chosen.length === LEAD_COLUMNS.length) return { columns: [...LEAD_COLUMNS], cols: undefined, problems };
  return { columns: chosen, cols: chosen.map((c) => c.key).join(","), problems };
}

/** The filter of a URL's parameters, and what was wrong with them (each named). */
export function parseLeadsQuery(p: Params): { filter: LeadsFilter; sort: LeadsSort; dir?: "asc" | "desc"; problems: string[] } {
  const problems: string[] = [];
  const filter: LeadsFilter = {};
  const pick = <T extends string>(key: string, value: string | undefined, options: readonly T[], set: (v: T) => void) => {
    if (!value) return;
    if ((options as readonly string[]).includes(value)) set(value as T);
    else problems.push(`${key}: "${value}" is not one of ${options.join(", ")}`);
  };
  if (p.offer) {
    if (UUID.test(p.offer)) filter.offerId = p.offer;
    else problems.push(`offer: "${p.offer}" is not an offer id`);
  }
  if (p.campaign) {
    if (UUID.test(p.campaign)) filter.campaignId = p.campaign;
    else problems.push(`campaign: "${p.campaign}" is not a campaign id`);
  }
  pick("status", p.status, ContactStatus.options, (v) => (filter.status = v));
  pick("global", p.global, GlobalContactStatus.options, (v) => (filter.globalStatus = v));
  pick("email", p.email, EmailStatus.options, (v) => (filter.emailStatus = v));
  pick("degree", p.degree, ["1", "2", "3"] as const, (v) => (filter.degree = Number(v) as 1 | 2 | 3));
  if (p.fit) {
    const n = Number(p.fit);
    if (Number.isInteger(n) && n >= 1 && n <= 10) filter.minFit = n;
    else problems.push(`fit: "${p.fit}" must be a whole number from 1 to 10`);
  }
  if (p.signal) filter.signal = p.signal.trim().slice(0, 64);
  if (p.q) filter.q = p.q.trim().slice(0, 200);
  let sort: LeadsSort = "created";
  pick("sort", p.sort, LEADS_SORTS, (v) => (sort = v));
  let dir: "asc" | "desc" | undefined;
  pick("dir", p.dir, ["asc", "desc"] as const, (v) => (dir = v));
  return { filter, sort, ...(dir ? { dir } : {}), problems };
}

/** The URL of a view: the given parameters, without empty ones. */
function urlOf(params: Params, change: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...params, ...change })) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `/leads?${s}` : "/leads";
}

function filterParams(p: Params): Params {
  const out: Params = {};
  for (const k of KEYS) if (p[k]) out[k] = p[k];
  return out;
}

const CSV_COLUMNS: (keyof LeadRow)[] = [
  "id",
  "full_name",
  "title",
  "email",
  "email_status",
  "linkedin_url",
  "connection_degree",
  "status",
  "global_status",
  "offer_name",
  "company_name",
  "domain",
  "fit_score",
];

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  let s = v instanceof Date ? v.toISOString() : String(v);
  // A cell a spreadsheet would run as a formula is quoted as text.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const csvLines = (rows: readonly LeadRow[]) => rows.map((r) => CSV_COLUMNS.map((k) => csvCell(r[k])).join(",") + "\n").join("");

export function leadsCsv(rows: LeadRow[]): string {
  return CSV_COLUMNS.join(",") + "\n" + csvLines(rows);
}

/** The CSV of batches of leads as they are read (the export of a whole filter: every row, never all in memory). */
function leadsCsvStream(batches: AsyncGenerator<LeadRow[]>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(CSV_COLUMNS.join(",") + "\n"));
        return;
      }
      const next = await batches.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(csvLines(next.value)));
    },
    async cancel() {
      await batches.return(undefined);
    },
  });
}

/** The saved views: each a link to its query, with a delete button. */
function SavedViewsList(props: { views: { id: string; name: string; query: string }[]; csrf: string }) {
  return (
    <ul class="views" id="saved-views">
      <li class="muted small">Saved views:</li>
      {props.views.length === 0 ? <li class="muted small">none yet</li> : null}
      {props.views.map((v) => (
        <li data-view={v.name}>
          <a href={v.query ? `/leads?${v.query}` : "/leads"}>{v.name}</a>
          <form
            method="post"
            action={`/leads/views/${v.id}/delete`}
            hx-post={`/leads/views/${v.id}/delete`}
            hx-target="#views-result"
            hx-confirm={`Delete the view "${v.name}"?`}
          >
            <input type="hidden" name={CSRF_FIELD} value={props.csrf} />
            <button type="submit" class="link" aria-label={`delete the view ${v.name}`} data-action="delete-view">
              ×
            </button>
          </form>
        </li>
      ))}
    </ul>
  );
}

export function registerLeadsPages(app: Hono<DashboardEnv>, deps: Deps) {
  app.get("/leads/views", async (c) => c.html(String(<SavedViewsList views={await savedViews.list(deps.db)} csrf={c.get("page").csrf} />)));

  app.get("/leads", async (c) => {
    const params = c.req.query() as Params;
    // The column chooser's boxes send `cols` once per column; a shared link has them comma-separated.
    const chosen = parseColumns((c.req.queries("cols") ?? []).join(","));
    if (chosen.cols) params.cols = chosen.cols;
    else delete params.cols;
    const { filter, sort, dir, problems: filterProblems } = parseLeadsQuery(params);
    const problems = [...filterProblems, ...chosen.problems];
    const [pageRows, counted, offers, campaigns, views] = await Promise.all([
      dashboard.leads(deps.db, { ...filter, sort, ...(dir ? { dir } : {}), ...(params.after ? { after: params.after } : {}), limit: 50 }),
      dashboard.leadsCountUpTo(deps.db, filter, LEADS_COUNT_CAP),
      dashboard.offerOptions(deps.db),
      dashboard.campaignOptions(deps.db),
      savedViews.list(deps.db),
    ]);
    const view = filterParams(params);
    const current: Params = {
      ...view,
      ...(params.sort ? { sort: params.sort } : {}),
      ...(params.dir ? { dir: params.dir } : {}),
      ...(params.cols ? { cols: params.cols } : {}),
    };
    const shown = new Set(chosen.columns.map((col) => col.key));
    const total = counted.capped ? `${counted.count.toLocaleString("en-US")}+` : String(counted.count);
    const sortLink = (key: LeadsSort, label: string) => {
      const active = sort === key;
      const nextDir = active && (dir ?? (key === "created" || key === "fit" ? "desc" : "asc")) === "asc" ? "desc" : "asc";
      return (
        <a href={urlOf({ ...view, cols: params.cols }, { sort: key, dir: active ? nextDir : undefined })} data-sort={key}>
          {label}
          {active ? ((dir ?? (key === "created" || key === "fit" ? "desc" : "asc")) === "asc" ? " ↑" : " ↓") : ""}
        </a>
      );
    };
    const select = (name: string, label: string, options: readonly (string | [string, string])[]) => (
      <label>
        {label}
        <select name={name}>
          <option value="">any</option>
          {options.map((o) => {
            const [value, text] = Array.isArray(o) ? o : [o, o];
            return (
              <option value={value} selected={params[name as keyof Params] === value}>
                {text}
              </option>
            );
          })}
        </select>
      </label>
    );
    return page(
      c,
      "Leads",
      "/leads",
      <>
        {problems.length ? (
          <div class="flash error" id="filter-problems">
            Ignored: {problems.join("; ")}
          </div>
        ) : null}
        <div class="saved-views">
          <div id="views-list" hx-get="/leads/views" hx-trigger="offerlab-changed from:body" hx-swap="innerHTML">
            <SavedViewsList views={views} csrf={c.get("page").csrf} />
          </div>
          <form id="save-view" class="actions" method="post" action="/leads/views" hx-post="/leads/views" hx-target="#views-result">
            <input type="hidden" name={CSRF_FIELD} value={c.get("page").csrf} />
            <input type="hidden" name="query" value={viewQuery(urlOf(current).replace(/^\/leads\??/, ""))} />
            <input type="text" name="name" placeholder="name this view" maxlength={SAVED_VIEW_NAME_MAX} aria-label="view name" />
            <button type="submit" class="secondary" data-action="save-view">
              Save view
            </button>
          </form>
          <div id="views-result"></div>
        </div>
        <form class="filters" method="get" action="/leads" id="filters">
          <label>
            search
            <input type="search" name="q" value={params.q ?? ""} placeholder="name, email, title, company" />
          </label>
          {select(
            "offer",
            "offer",
            offers.map((o) => [o.id, o.name] as [string, string]),
          )}
          {select(
            "campaign",
            "campaign",
            campaigns.map((o) => [o.id, o.name] as [string, string]),
          )}
          {select("status", "status", ContactStatus.options)}
          {select("global", "global status", GlobalContactStatus.options)}
          {select("email", "email status", EmailStatus.options)}
          {select("degree", "degree", ["1", "2", "3"])}
          <label>
            min fit
            <input type="number" name="fit" min="1" max="10" value={params.fit ?? ""} />
          </label>
          <label>
            signal
            <input type="text" name="signal" value={params.signal ?? ""} placeholder="hiring, funding…" />
          </label>
          <details class="columns" id="columns">
            <summary>columns</summary>
            {LEAD_COLUMNS.map((col) => (
              <label>
                <input type="checkbox" name="cols" value={col.key} checked={shown.has(col.key)} />
                {col.label}
              </label>
            ))}
          </details>
          {params.sort ? <input type="hidden" name="sort" value={params.sort} /> : null}
          {params.dir ? <input type="hidden" name="dir" value={params.dir} /> : null}
          <button type="submit">Filter</button>
          <a class="button secondary" href="/leads">
            Clear
          </a>
        </form>
        <div id="bulk-result"></div>
        <div
          id="leads-area"
          hx-disinherit="*"
          hx-get={urlOf(current, { after: params.after })}
          hx-trigger="offerlab-changed from:body"
          hx-select="#leads-area"
          hx-swap="outerHTML"
        >
          <form id="bulk" method="post" action="/leads/suppress">
            <input type="hidden" name={CSRF_FIELD} value={c.get("page").csrf} />
            {Object.entries(view).map(([k, v]) => (
              <input type="hidden" name={`f_${k}`} value={v} />
            ))}
            <div class="actions">
              <strong id="leads-total">{total} contacts</strong>
              <span class="muted">match this view. Bulk actions on</span>
              <select name="scope">
                <option value="selected">the selected rows</option>
                <option value="filter">{`every contact of this filter (${total})`}</option>
              </select>
              <input type="text" name="reason" placeholder="why suppress (required)" />
              <button
                type="submit"
                class="danger"
                hx-post="/leads/suppress"
                hx-target="#bulk-result"
                hx-confirm="Suppress these people? Nothing will be sent to them again."
                data-action="suppress"
              >
                Suppress
              </button>
              <button type="submit" class="secondary" formaction="/leads/export.csv" hx-boost="false" data-action="export">
                Export CSV
              </button>
            </div>
            <div class="actions">
              <select name="enrol_campaign" aria-label="campaign to enrol in">
                <option value="">campaign…</option>
                {campaigns
                  .filter((x) => x.status !== "completed" && x.status !== "cancelled")
                  .map((x) => (
                    <option value={x.id}>{`${x.name} (${x.status})`}</option>
                  ))}
              </select>
              <button
                type="submit"
                class="secondary"
                formaction="/leads/enrol"
                hx-post="/leads/enrol"
                hx-target="#bulk-result"
                data-action="enrol"
              >
                Enrol…
              </button>
              <select name="kind" aria-label="outcome to record">
                <option value="">outcome…</option>
                {OutcomeKind.options.map((k) => (
                  <option value={k}>{k}</option>
                ))}
              </select>
              <input type="text" name="note" placeholder="note (optional)" aria-label="outcome note" />
              <button
                type="submit"
                class="secondary"
                formaction="/leads/outcome"
                hx-post="/leads/outcome"
                hx-target="#bulk-result"
                data-action="outcome"
              >
                Record outcome…
              </button>
            </div>
            <table id="leads">
              <thead>
                <tr>
                  <th>
                    <input type="checkbox" id="select-all" aria-label="select all on this page" />
                  </th>
                  <th>{sortLink("name", "name")}</th>
                  {chosen.columns.map((col) => (
                    <th data-col={col.key} title={col.title}>
                      {col.sort ? sortLink(col.sort, col.label) : col.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {pageRows.rows.length === 0 ? (
                  <tr>
                    <td colspan={2 + chosen.columns.length} class="muted">
                      No contacts match.
                    </td>
                  </tr>
                ) : (
                  pageRows.rows.map((r) => (
                    <tr data-contact={r.id}>
                      <td>
                        <input type="checkbox" name="ids" value={r.id} aria-label={`select ${r.full_name ?? r.id}`} />
                      </td>
                      <td>
                        <a href={`/people/${r.id}`}>{r.full_name ?? "(no name)"}</a>
                      </td>
                      {chosen.columns.map((col) => (
                        <td data-col={col.key} class={col.key === "fit" ? "num" : col.key === "added" ? "small" : undefined}>
                          {col.cell(r)}
                        </td>
                      ))}
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          </form>
          <div class="pager">
            {params.after ? (
              <a href={urlOf(current)} data-page="first">
                ← first page
              </a>
            ) : null}
            {pageRows.nextCursor ? (
              <a href={urlOf(current, { after: pageRows.nextCursor })} data-page="next">
                next page →
              </a>
            ) : (
              <span class="muted">end of the list</span>
            )}
          </div>
        </div>
      </>,
    );
  });

  /** The filter a bulk form carries (its `f_*` fields). */
  const filterOf = (form: Record<string, string | string[]>): LeadsFilter => {
    const params: Params = {};
    for (const k of KEYS) {
      const v = field(form, `f_${k}`);
      if (v) params[k] = v;
    }
    return parseLeadsQuery(params).filter;
  };

  /**
   * The contact ids a bulk action acts on: the selection, or every contact of the filter the form
   * carries. More than the action takes at once (`max`, or the app's `bulkLimit` when lower) is
   * refused as a whole, naming the count, the limit and how to narrow it: an action never does the
   * first `max` of a filter and drops the rest without a word.
   */
  async function selectionOf(
    form: Record<string, string | string[]>,
    action: string,
    max: number,
  ): Promise<{ ids: string[] } | { refusal: ValidationError }> {
    const limit = Math.min(max, deps.bulkLimit ?? max);
    const tooMany = (what: string, n: number) => ({
      refusal: new ValidationError("bulk action", [
        {
          field: "scope",
          message: `${what} ${n} contacts, and ${action} acts on at most ${limit} at once, so nothing was done: narrow the filter (offer, campaign, status, fit, search…) to ${limit} or fewer, or select the rows on the page`,
        },
      ]),
    });
    if (field(form, "scope") === "filter") {
      const filter = filterOf(form);
      const { ids, more } = await dashboard.leadIdsUpTo(deps.db, filter, limit);
      return more ? tooMany("the filter matches", await dashboard.leadsCount(deps.db, filter)) : { ids };
    }
    const raw = form.ids;
    const ids = [...new Set((Array.isArray(raw) ? raw : raw ? [raw] : []).filter((id) => UUID.test(id)))];
    return ids.length > limit ? tooMany("the selection names", ids.length) : { ids };
  }
  /** A refused bulk action: the reason, as any refused write shows it (nothing was written). */
  const refuse = (c: Ctx, error: ValidationError) =>
    act(
      c,
      async () => {
        throw error;
      },
      "/leads",
    );

  app.post("/leads/suppress", async (c) => {
    const form = await formOf(c);
    const selection = await selectionOf(form, "suppress", MAX_SUPPRESS_SELECTION);
    if ("refusal" in selection) return refuse(c, selection.refusal);
    const { ids } = selection;
    return act(
      c,
      async () => {
        const r = await suppressContacts({ db: deps.db, now: deps.now }, { contactIds: ids, reason: field(form, "reason") });
        return `Suppressed ${r.contacts} contact${r.contacts === 1 ? "" : "s"}: ${r.added} new entr${r.added === 1 ? "y" : "ies"} on the list, ${r.cancelled} pending send${r.cancelled === 1 ? "" : "s"} cancelled${r.skipped ? `, ${r.skipped} without email or LinkedIn URL skipped` : ""}.`;
      },
      "/leads",
    );
  });

  /**
   * A bulk action's confirmation: how many contacts it would touch, and a form that posts the same
   * fields again with `confirm=yes`. Nothing is written until then.
   */
  const confirmation = (c: Ctx, form: Record<string, string | string[]>, action: string, question: string) => {
    const body = (
      <div class="confirm" id="bulk-confirm">
        <form method="post" action={action} hx-post={action} hx-target="#bulk-result" class="actions">
          {Object.entries(form)
            .filter(([k]) => k !== "confirm")
            .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => <input type="hidden" name={k} value={x} />))}
          <input type="hidden" name="confirm" value="yes" />
          <strong>{question}</strong>
          <button type="submit" data-action="confirm">
            Confirm
          </button>
          <button type="button" class="secondary" data-dismiss="bulk-confirm">
            Cancel
          </button>
        </form>
      </div>
    );
    return isHtmx(c) ? c.html(String(body)) : page(c, "Confirm", "/leads", body);
  };
  const people = (n: number) => `${n} contact${n === 1 ? "" : "s"}`;

  app.post("/leads/enrol", async (c) => {
    const form = await formOf(c);
    const selection = await selectionOf(form, "enrol", MAX_ENROL_SELECTION);
    if ("refusal" in selection) return refuse(c, selection.refusal);
    const { ids } = selection;
    const campaignId = field(form, "enrol_campaign");
    const campaign = UUID.test(campaignId) ? (await dashboard.campaignOptions(deps.db)).find((x) => x.id === campaignId) : undefined;
    if (ids.length > 0 && campaign && field(form, "confirm") !== "yes")
      return confirmation(
        c,
        form,
        "/leads/enrol",
        `Enrol ${people(ids.length)} in ${campaign.name}? Only those of its offer that its criteria and the send rules allow join it.`,
      );
    return act(
      c,
      async () => {
        const r = await enrolContacts({ db: deps.db, now: deps.now }, { campaign: campaign ? campaign.id : campaignId, contactIds: ids });
        const skipped = Object.entries(r.skipped)
          .filter(([, n]) => n > 0)
          .map(([why, n]) => `${n} ${why.replaceAll("_", " ")}`);
        const outside = (r.selected ?? 0) - r.matched;
        return `Enrolled ${people(r.added)} of ${people(r.selected ?? 0)} in ${campaign?.name ?? r.campaign}${skipped.length ? `; skipped: ${skipped.join(", ")}` : ""}${outside > 0 ? `; ${outside} not of its offer or outside its criteria` : ""}.`;
      },
      "/leads",
    );
  });

  app.post("/leads/outcome", async (c) => {
    const form = await formOf(c);
    const selection = await selectionOf(form, "record outcome", MAX_OUTCOME_SELECTION);
    if ("refusal" in selection) return refuse(c, selection.refusal);
    const { ids } = selection;
    const kind = field(form, "kind");
    const note = field(form, "note");
    const input = { contactIds: ids, kind, ...(note ? { note } : {}) };
    if (field(form, "confirm") !== "yes") {
      // Everything the operation checks before writing (how many, the ids, the kind, the note) is
      // checked before asking: a refusal is shown instead of a confirmation that would then fail.
      try {
        checkOutcomes(input, deps.now());
      } catch (error) {
        if (ValidationError.isInstance(error)) return refuse(c, error);
        throw error;
      }
      return confirmation(c, form, "/leads/outcome", `Record ${kind} for ${people(ids.length)}?`);
    }
    return act(
      c,
      async () => {
        const r = await recordOutcomes({ db: deps.db, now: deps.now }, input);
        return `Recorded ${kind} for ${people(r.recorded)} (${r.attributed} attributed to a campaign${r.sequencesStopped ? `, ${r.sequencesStopped} sequence${r.sequencesStopped === 1 ? "" : "s"} stopped` : ""}).`;
      },
      "/leads",
    );
  });

  app.post("/leads/views", async (c) => {
    const form = await formOf(c);
    return act(
      c,
      async () => {
        const v = await saveView({ db: deps.db, now: deps.now }, { name: field(form, "name"), query: field(form, "query") });
        return (
          <>
            Saved the view <a href={v.query ? `/leads?${v.query}` : "/leads"}>{v.name}</a>.
          </>
        );
      },
      "/leads",
    );
  });

  app.post("/leads/views/:id/delete", (c) => {
    return act(
      c,
      async () => {
        const { deleted } = await deleteView({ db: deps.db, now: deps.now }, { id: c.req.param("id") });
        return `Deleted the view "${deleted.name}".`;
      },
      "/leads",
    );
  });

  const csvHeaders = {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="offerlab-leads.csv"`,
  };
  // A whole filter streams every row it matches, whatever their number (no limit to refuse at).
  const exportFilter = (c: Ctx, filter: LeadsFilter) => c.body(leadsCsvStream(dashboard.leadsOfFilter(deps.db, filter)), 200, csvHeaders);
  // The whole filter of a URL (a link people can share) …
  app.get("/leads/export.csv", (c) => exportFilter(c, parseLeadsQuery(c.req.query() as Params).filter));
  // … or the bulk form (the selection, or its filter).
  app.post("/leads/export.csv", async (c) => {
    const form = await formOf(c);
    if (field(form, "scope") === "filter") return exportFilter(c, filterOf(form));
    const raw = form.ids;
    const ids = (Array.isArray(raw) ? raw : raw ? [raw] : []).filter((id) => UUID.test(id));
    return c.body(leadsCsv(await dashboard.leadsByIds(deps.db, ids)), 200, csvHeaders);
  });
}
