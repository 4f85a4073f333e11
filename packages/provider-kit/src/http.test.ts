import { delay, http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createHttpClient } from "./http.js";
import { readSetting } from "./config.js";
import { ProviderError } from "./errors.js";
import type { ProviderErrorKind } from "./errors.js";
import { formValues, setupMswServer } from "./testing-msw.js";

const BASE = "https://api.acme.test/v1";
const { server, recorder } = setupMswServer();

function client(overrides: Partial<Parameters<typeof createHttpClient>[0]> = {}) {
  return createHttpClient({
    provider: "acme",
    baseUrl: () => BASE,
    headers: () => ({ "x-api-key": readSetting({ provider: "acme", option: "apiKey", envVar: "ACME_TEST_KEY_UNSET", value: "sk_test" }) }),
    retry: { baseDelayMs: 1, maxDelayMs: 2000 },
    ...overrides,
  });
}

async function kindOf(p: Promise<unknown>): Promise<ProviderErrorKind | "none"> {
  try {
    await p;
    return "none";
  } catch (e) {
    if (!ProviderError.isInstance(e)) throw e;
    return e.kind;
  }
}

describe("createHttpClient", () => {
  it("never reads settings at creation: a missing key fails on the first request", async () => {
    const c = createHttpClient({
      provider: "acme",
      baseUrl: () => BASE,
      headers: () => ({ "x-api-key": readSetting({ provider: "acme", option: "apiKey", envVar: "ACME_TEST_KEY_UNSET" }) }),
    });
    await expect(c.request({ method: "GET", path: "/x" })).rejects.toThrow(
      "[provider-acme] missing apiKey: pass { apiKey } or set ACME_TEST_KEY_UNSET",
    );
    expect(recorder.count()).toBe(0);
  });

  it("sends query arrays, auth and accept headers, and parses with the schema", async () => {
    server.use(http.get(`${BASE}/items`, () => HttpResponse.json({ items: [{ id: "a", extra: 1 }], cursor: null })));
    const res = await client().request({
      method: "GET",
      path: "/items",
      query: { tag: ["x", "y"], limit: 5, flag: true, none: undefined },
      schema: z.object({ items: z.array(z.object({ id: z.string() })), cursor: z.string().nullable() }),
    });
    expect(res.data).toEqual({ items: [{ id: "a" }], cursor: null });
    const req = await recorder.last();
    expect(req.method).toBe("GET");
    expect(req.path).toBe("/v1/items");
    expect(req.query).toEqual({ tag: ["x", "y"], limit: ["5"], flag: ["true"] });
    expect(req.headers["x-api-key"]).toBe("sk_test");
    expect(req.headers.accept).toBe("application/json");
  });

  it("encodes JSON and multipart bodies", async () => {
    server.use(
      http.post(`${BASE}/json`, () => HttpResponse.json({ ok: true })),
      http.post(`${BASE}/form`, () => HttpResponse.json({ ok: true }, { status: 201 })),
    );
    await client().request({ method: "POST", path: "/json", json: { a: 1, b: ["x"] } });
    let req = await recorder.last();
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.json).toEqual({ a: 1, b: ["x"] });
    await client().request({
      method: "POST",
      path: "/form",
      form: { id: "acc", to: ["p1", "p2"], flag: true, skip: undefined, file: new Blob(["hi"], { type: "text/plain" }) },
    });
    req = await recorder.last();
    expect(req.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(formValues(req, "to")).toEqual(["p1", "p2"]);
    expect(formValues(req, "flag")).toEqual(["true"]);
    expect(formValues(req, "skip")).toEqual([]);
    expect(formValues(req, "file")[0]).toMatchObject({ type: "text/plain", size: 2 });
  });

  it("retries a safe read on 429, honouring Retry-After", async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/r`, () =>
        ++calls === 1
          ? HttpResponse.json({ error: "slow" }, { status: 429, headers: { "Retry-After": "1" } })
          : HttpResponse.json({ ok: true }),
      ),
    );
    const waits: number[] = [];
    await client({ retry: { sleep: async (ms) => void waits.push(ms) } }).request({ method: "GET", path: "/r" });
    expect(calls).toBe(2);
    expect(waits).toEqual([1000]);
  });

  it("surfaces a Retry-After above the cap instead of sleeping", async () => {
    server.use(http.get(`${BASE}/r`, () => HttpResponse.json({}, { status: 429, headers: { "Retry-After": "3600" } })));
    const error = await client()
      .request({ method: "GET", path: "/r" })
      .catch((e: ProviderError) => e);
    expect(error).toMatchObject({ kind: "rate_limited", retryAfterMs: 3_600_000 });
    expect(recorder.count()).toBe(1);
  });

  it("retries a safe read on 5xx and gives up after maxAttempts", async () => {
    server.use(http.get(`${BASE}/r`, () => HttpResponse.json({ code: "boom" }, { status: 503 })));
    expect(await kindOf(client({ retry: { maxAttempts: 3, baseDelayMs: 1 } }).request({ method: "GET", path: "/r" }))).toBe("transient");
    expect(recorder.count()).toBe(3);
  });

  it("never retries a send: 5xx becomes unknown_outcome after exactly one request", async () => {
    server.use(http.post(`${BASE}/send`, () => HttpResponse.json({ code: "server_error" }, { status: 500 })));
    const error = await client({ retry: { maxAttempts: 5 } })
      .request({ method: "POST", path: "/send", json: {} })
      .catch((e: ProviderError) => e);
    expect(error).toMatchObject({ kind: "unknown_outcome", status: 500, vendorCode: "server_error", retryable: false });
    expect(recorder.count()).toBe(1);
  });

  it("keeps a definite refusal of a send definite (429 stays rate_limited, 422 stays invalid)", async () => {
    server.use(http.post(`${BASE}/send`, () => HttpResponse.json({}, { status: 429 })));
    expect(await kindOf(client().request({ method: "POST", path: "/send", json: {} }))).toBe("rate_limited");
    server.use(http.post(`${BASE}/send`, () => HttpResponse.json({ message: "bad" }, { status: 422 })));
    expect(await kindOf(client().request({ method: "POST", path: "/send", json: {} }))).toBe("invalid");
    expect(recorder.count()).toBe(2);
  });

  it("reports a lost response of a send as unknown_outcome and of a read as transient", async () => {
    server.use(
      http.post(`${BASE}/send`, () => HttpResponse.error()),
      http.get(`${BASE}/read`, () => HttpResponse.error()),
    );
    expect(await kindOf(client().request({ method: "POST", path: "/send", json: {} }))).toBe("unknown_outcome");
    expect(await kindOf(client({ retry: { maxAttempts: 1 } }).request({ method: "GET", path: "/read" }))).toBe("transient");
  });

  it("times out: transient for a read, unknown_outcome for a send", async () => {
    server.use(
      http.get(`${BASE}/slow`, async () => {
        await delay(500);
        return HttpResponse.json({});
      }),
      http.post(`${BASE}/slow`, async () => {
        await delay(500);
        return HttpResponse.json({});
      }),
    );
    const c = client({ timeoutMs: 30, retry: { maxAttempts: 1 } });
    const read = await c.request({ method: "GET", path: "/slow" }).catch((e: ProviderError) => e);
    expect(read).toMatchObject({ kind: "transient", reason: "timeout" });
    const send = await c.request({ method: "POST", path: "/slow", json: {} }).catch((e: ProviderError) => e);
    expect(send).toMatchObject({ kind: "unknown_outcome", reason: "timeout" });
  });

  it("treats an explicitly safe POST as retryable and a cancelled send as unknown_outcome", async () => {
    let calls = 0;
    server.use(http.post(`${BASE}/lookup`, () => (++calls < 2 ? HttpResponse.json({}, { status: 502 }) : HttpResponse.json({ ok: 1 }))));
    await client().request({ method: "POST", path: "/lookup", json: {}, safe: true });
    expect(calls).toBe(2);
    server.use(
      http.post(`${BASE}/send`, async () => {
        await delay(500);
        return HttpResponse.json({});
      }),
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("shutdown")), 20);
    const error = await client()
      .request({ method: "POST", path: "/send", json: {}, signal: controller.signal })
      .catch((e: ProviderError) => e);
    expect(error).toMatchObject({ kind: "unknown_outcome", reason: "aborted" });
  });

  it("keeps the raw body when a response does not match or is not JSON", async () => {
    server.use(
      http.get(`${BASE}/odd`, () => HttpResponse.json({ items: "nope" })),
      http.get(`${BASE}/html`, () => new HttpResponse("<html>gateway</html>", { status: 200 })),
      http.post(`${BASE}/odd`, () => HttpResponse.json({ unexpected: true }, { status: 201 })),
    );
    const schema = z.object({ items: z.array(z.string()) });
    const mismatch = await client()
      .request({ method: "GET", path: "/odd", schema })
      .catch((e: ProviderError) => e);
    expect(mismatch).toMatchObject({ kind: "transient", reason: "unexpected_response", retryable: false, rawBody: '{"items":"nope"}' });
    expect((mismatch as ProviderError).message).toContain("items");
    expect(recorder.count()).toBe(1);
    const html = await client()
      .request({ method: "GET", path: "/html", schema })
      .catch((e: ProviderError) => e);
    expect(html).toMatchObject({ reason: "malformed_response", rawBody: "<html>gateway</html>" });
    const send = await client()
      .request({ method: "POST", path: "/odd", json: {}, schema })
      .catch((e: ProviderError) => e);
    expect(send).toMatchObject({ kind: "unknown_outcome", reason: "unexpected_response" });
  });

  it("uses a custom error mapper and fills retryAfterMs from the header when the mapper does not", async () => {
    server.use(http.get(`${BASE}/m`, () => HttpResponse.json({ type: "errors/limit" }, { status: 422, headers: { "retry-after": "2" } })));
    const c = client({
      retry: { maxAttempts: 1 },
      mapError: (ctx) =>
        new ProviderError({
          kind: (ctx.body as { type?: string }).type === "errors/limit" ? "rate_limited" : "invalid",
          provider: ctx.provider,
          message: "mapped",
          status: ctx.status,
        }),
    });
    const error = await c.request({ method: "GET", path: "/m" }).catch((e: ProviderError) => e);
    expect(error).toMatchObject({ kind: "rate_limited", retryAfterMs: 2000, status: 422 });
  });
});
