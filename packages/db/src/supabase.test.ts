// `@offerlab/db/supabase`: the generated Database type drives supabase-js for every table, view
// and function (type tests, checked by `tsc`), and one round trip against a mocked PostgREST shows
// the client sends what Supabase expects and returns the typed rows.
import { createClient } from "@supabase/supabase-js";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import type { Database as KyselyDatabase } from "./database.generated.js";
import type { Database, Json, Tables, TablesInsert, TablesUpdate } from "./supabase.js";

const URL_BASE = "https://offerlab-test.supabase.co";
const ANON_KEY = "anon-key-for-tests";

type Public = Database["public"];

// Node 20 has no global WebSocket, and supabase-js's realtime client refuses to be built without a
// transport there (Node 22+ has one). These tests never open a realtime channel; an app on Node 20
// passes the `ws` package instead (docs/supabase.md).
type Transport = NonNullable<NonNullable<NonNullable<Parameters<typeof createClient>[2]>["realtime"]>["transport"]>;
class NoRealtime {
  constructor() {
    throw new Error("realtime is not used by these tests");
  }
}
const client = () => createClient<Database>(URL_BASE, ANON_KEY, { realtime: { transport: NoRealtime as unknown as Transport } });

describe("the Supabase Database type (compile-time checks)", () => {
  it("names every table and view of the migrated schema, and nothing else", () => {
    expectTypeOf<keyof Public["Tables"] | keyof Public["Views"]>().toEqualTypeOf<keyof KyselyDatabase>();
    expectTypeOf<"companies">().toExtend<keyof Public["Tables"]>();
    expectTypeOf<"campaign_performance">().toExtend<keyof Public["Views"]>();
    expectTypeOf<"campaign_performance">().not.toExtend<keyof Public["Tables"]>();
  });

  it("types rows as PostgREST returns them: ISO strings, Json, CHECK lists as literal unions", () => {
    expectTypeOf<Tables<"offers">["created_at"]>().toEqualTypeOf<string>();
    expectTypeOf<Tables<"offers">["positioning"]>().toEqualTypeOf<Json | null>();
    expectTypeOf<Tables<"offers">["status"]>().toEqualTypeOf<"draft" | "ready" | "active" | "paused" | "completed" | "killed">();
    expectTypeOf<Tables<"companies">["size_exact"]>().toEqualTypeOf<number | null>();
    expectTypeOf<Tables<"campaign_performance">["reply_rate"]>().toEqualTypeOf<number | null>();
  });

  it("insert requires columns without a default; update makes every column optional", () => {
    expectTypeOf<{ offer_id: string; name: string; source_tool: string }>().toExtend<TablesInsert<"companies">>();
    expectTypeOf<{ name: string; source_tool: string }>().not.toExtend<TablesInsert<"companies">>();
    expectTypeOf<{ status: "qualified" }>().toExtend<TablesUpdate<"companies">>();
    expectTypeOf<{ status: "bogus" }>().not.toExtend<TablesUpdate<"companies">>();
  });

  it("lists foreign keys as Relationships and functions with their arguments", () => {
    type ContactRels = Public["Tables"]["contacts"]["Relationships"][number];
    expectTypeOf<Extract<ContactRels, { foreignKeyName: "contacts_company_id_fkey" }>["referencedRelation"]>().toEqualTypeOf<"companies">();
    expectTypeOf<Extract<ContactRels, { foreignKeyName: "contacts_company_id_fkey" }>["columns"]>().toEqualTypeOf<["company_id"]>();
    expectTypeOf<Public["Functions"]["can_account_send"]["Args"]>().toEqualTypeOf<{ p_account_id: string; p_action_type: string }>();
    expectTypeOf<Public["Functions"]["can_account_send"]["Returns"]>().toEqualTypeOf<boolean>();
  });

  it("makes createClient<Database>() typed: results, filters and inserts", () => {
    const supabase = client();
    const _select = () => supabase.from("companies").select("id, name, status").eq("status", "qualified");
    type Data = NonNullable<Awaited<ReturnType<typeof _select>>["data"]>;
    expectTypeOf<Data>().toEqualTypeOf<{ id: string; name: string; status: Tables<"companies">["status"] }[]>();
    const _view = () => supabase.from("campaign_performance").select("name, reply_rate");
    expectTypeOf<NonNullable<Awaited<ReturnType<typeof _view>>["data"]>[number]>().toEqualTypeOf<{
      name: string | null;
      reply_rate: number | null;
    }>();
    // Compile-time only: these calls are never run.
    const wrong = () => {
      // @ts-expect-error: no such table
      void supabase.from("companys").select("*");
      // @ts-expect-error: name and source_tool are required
      void supabase.from("companies").insert({ offer_id: "x" });
      // @ts-expect-error: not a company status
      void supabase.from("companies").update({ status: "hot" });
    };
    expect(typeof wrong).toBe("function");
  });
});

describe("supabase-js round trip against a mocked PostgREST", () => {
  const requests: { method: string; url: URL; headers: Headers; body: unknown }[] = [];
  const company = {
    id: "0b7c1f4e-2d41-4f7a-9a43-5d1f0d6c2a11",
    offer_id: "5f0e9d7a-8c1b-4d2e-a3f4-b5c6d7e8f901",
    name: "Acme Robotics",
    status: "qualified",
    source_tool: "csv",
    created_at: "2026-12-03T15:00:00+00:00",
  };
  const server = setupServer(
    http.get(`${URL_BASE}/rest/v1/companies`, async ({ request }) => {
      requests.push({ method: "GET", url: new URL(request.url), headers: request.headers, body: undefined });
      return HttpResponse.json([{ id: company.id, name: company.name, status: company.status }]);
    }),
    http.post(`${URL_BASE}/rest/v1/companies`, async ({ request }) => {
      const body = await request.json();
      requests.push({ method: "POST", url: new URL(request.url), headers: request.headers, body });
      const created = { ...company, ...(body as object) };
      // `.single()` asks for one object, as PostgREST answers `Accept: application/vnd.pgrst.object+json`.
      const single = request.headers.get("accept")?.includes("vnd.pgrst.object") ?? false;
      return HttpResponse.json(single ? created : [created], { status: 201 });
    }),
  );
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterAll(() => server.close());

  it("select sends the query PostgREST expects and returns typed rows", async () => {
    const supabase = client();
    const { data, error } = await supabase.from("companies").select("id, name, status").eq("status", "qualified").limit(5);
    expect(error).toBeNull();
    expect(data).toEqual([{ id: company.id, name: "Acme Robotics", status: "qualified" }]);
    const first = data![0]!;
    expectTypeOf(first.status).toEqualTypeOf<Tables<"companies">["status"]>();

    const req = requests.find((r) => r.method === "GET")!;
    expect(req.url.pathname).toBe("/rest/v1/companies");
    expect(req.url.searchParams.get("select")).toBe("id,name,status");
    expect(req.url.searchParams.get("status")).toBe("eq.qualified");
    expect(req.url.searchParams.get("limit")).toBe("5");
    expect(req.headers.get("apikey")).toBe(ANON_KEY);
    expect(req.headers.get("authorization")).toBe(`Bearer ${ANON_KEY}`);
  });

  it("insert posts the typed row and reads back the representation", async () => {
    const supabase = client();
    const row: TablesInsert<"companies"> = { offer_id: company.offer_id, name: "Acme Robotics", source_tool: "csv", status: "qualified" };
    const { data, error } = await supabase.from("companies").insert(row).select().single();
    expect(error).toBeNull();
    expectTypeOf(data).toEqualTypeOf<Tables<"companies"> | null>();
    expect(data?.id).toBe(company.id);
    expect(data?.created_at).toBe(company.created_at);

    const req = requests.find((r) => r.method === "POST")!;
    expect(req.url.pathname).toBe("/rest/v1/companies");
    expect(req.url.searchParams.get("select")).toBe("*");
    expect(req.body).toEqual(row);
    expect(req.headers.get("prefer")).toContain("return=representation");
    expect(req.headers.get("content-type")).toContain("application/json");
    expect(req.headers.get("accept")).toContain("application/vnd.pgrst.object+json");
    expect(req.headers.get("apikey")).toBe(ANON_KEY);
  });
});
