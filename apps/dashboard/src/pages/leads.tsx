/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Leads: the Clay-style table of every contact with company, email and status; server-side
 * filters, search, sort and keyset paging, all in the URL; bulk suppress and CSV export on the
 * selection or the whole filter.
 */
import { ContactStatus, EmailStatus, GlobalContactStatus } from "@offerlab/core";
import { dashboard, LEADS_SORTS, type LeadRow, type LeadsFilter, type LeadsSort } from "@offerlab/db";
import { suppressContacts } from "@offerlab/operations";
import type { Hono } from "hono";
import { act, field, formOf, page, type Ctx, type DashboardEnv, type Deps } from "../http.js";
import { Badge } from "../layout.js";
import { CSRF_FIELD } from "../security.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The URL's filter keys (the names people share in links). */
const KEYS = ["offer", "campaign", "status", "global", "fit", "email", "degree", "signal", "q"] as const;
type Params = Partial<Record<(typeof KEYS)[number] | "sort" | "dir" | "after", string>>;

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

export function leadsCsv(rows: LeadRow[]): string {
  return [CSV_COLUMNS.join(","), ...rows.map((r) => CSV_COLUMNS.map((k) => csvCell(r[k])).join(","))].join("\n") + "\n";
}

export function registerLeadsPages(app: Hono<DashboardEnv>, deps: Deps) {
  app.get("/leads", async (c) => {
    const params = c.req.query() as Params;
    const { filter, sort, dir, problems } = parseLeadsQuery(params);
    const [pageRows, total, offers, campaigns] = await Promise.all([
      dashboard.leads(deps.db, { ...filter, sort, ...(dir ? { dir } : {}), ...(params.after ? { after: params.after } : {}), limit: 50 }),
      dashboard.leadsCount(deps.db, filter),
      dashboard.offerOptions(deps.db),
      dashboard.campaignOptions(deps.db),
    ]);
    const view = filterParams(params);
    const current: Params = { ...view, ...(params.sort ? { sort: params.sort } : {}), ...(params.dir ? { dir: params.dir } : {}) };
    const sortLink = (key: LeadsSort, label: string) => {
      const active = sort === key;
      const nextDir = active && (dir ?? (key === "created" || key === "fit" ? "desc" : "asc")) === "asc" ? "desc" : "asc";
      return (
        <a href={urlOf(view, { sort: key, dir: active ? nextDir : undefined })} data-sort={key}>
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
            <table id="leads">
              <thead>
                <tr>
                  <th>
                    <input type="checkbox" id="select-all" aria-label="select all on this page" />
                  </th>
                  <th>{sortLink("name", "name")}</th>
                  <th>title</th>
                  <th>{sortLink("company", "company")}</th>
                  <th>email</th>
                  <th>email status</th>
                  <th>deg</th>
                  <th>{sortLink("fit", "fit")}</th>
                  <th>{sortLink("status", "status")}</th>
                  <th>global</th>
                  <th>campaign</th>
                  <th title="when the row was added to this database (not when the person was found or contacted)">
                    {sortLink("created", "added to database")}
                  </th>
                </tr>
              </thead>
              <tbody>
                {pageRows.rows.length === 0 ? (
                  <tr>
                    <td colspan={12} class="muted">
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
                      <td>{r.title}</td>
                      <td>
                        {r.company_name} {r.domain ? <span class="muted small">{r.domain}</span> : null}
                      </td>
                      <td>{r.email}</td>
                      <td>
                        <Badge value={r.email_status} />
                      </td>
                      <td>{r.connection_degree ?? "—"}</td>
                      <td class="num">{r.fit_score ?? "—"}</td>
                      <td>
                        <Badge value={r.status} />
                      </td>
                      <td>
                        <Badge value={r.global_status} />
                      </td>
                      <td>
                        {r.campaign_id ? <a href={`/campaigns/${r.campaign_id}`}>{r.campaign_name}</a> : <span class="muted">—</span>}
                        {r.campaign_contact_status ? <span class="muted small"> {r.campaign_contact_status}</span> : null}
                      </td>
                      <td class="small" data-col="added">
                        {r.created_at instanceof Date ? r.created_at.toISOString().slice(0, 10) : String(r.created_at).slice(0, 10)}
                      </td>
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

  /** The contact ids of a bulk form: the selection, or every contact of the filter it carries. */
  async function idsOf(form: Record<string, string | string[]>): Promise<string[]> {
    if (field(form, "scope") === "filter") {
      const params: Params = {};
      for (const k of KEYS) {
        const v = field(form, `f_${k}`);
        if (v) params[k] = v;
      }
      return dashboard.leadIds(deps.db, parseLeadsQuery(params).filter);
    }
    const ids = form.ids;
    return (Array.isArray(ids) ? ids : ids ? [ids] : []).filter((id) => UUID.test(id));
  }

  app.post("/leads/suppress", async (c) => {
    const form = await formOf(c);
    const ids = await idsOf(form);
    return act(
      c,
      async () => {
        const r = await suppressContacts({ db: deps.db, now: deps.now }, { contactIds: ids, reason: field(form, "reason") });
        return `Suppressed ${r.contacts} contact${r.contacts === 1 ? "" : "s"}: ${r.added} new entr${r.added === 1 ? "y" : "ies"} on the list, ${r.cancelled} pending send${r.cancelled === 1 ? "" : "s"} cancelled${r.skipped ? `, ${r.skipped} without email or LinkedIn URL skipped` : ""}.`;
      },
      "/leads",
    );
  });

  const exportCsv = async (c: Ctx, ids: string[] | null, filter: LeadsFilter) => {
    const rows = ids
      ? await dashboard.leadsByIds(deps.db, ids)
      : await dashboard.leadsByIds(deps.db, await dashboard.leadIds(deps.db, filter));
    return c.body(leadsCsv(rows), 200, {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="offerlab-leads.csv"`,
    });
  };
  // The whole filter of a URL (a link people can share) …
  app.get("/leads/export.csv", (c) => exportCsv(c, null, parseLeadsQuery(c.req.query() as Params).filter));
  // … or the bulk form (the selection, or its filter).
  app.post("/leads/export.csv", async (c) => exportCsv(c, await idsOf(await formOf(c)), {}));
}
