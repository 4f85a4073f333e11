/**
 * The booking routes over HTTP (`app.request`, the same Hono app the server runs): Cal.com's and
 * Calendly's documented bodies, signed as the vendors sign them. A valid signature records the
 * meeting for the campaign that last touched the attendee; a missing, wrong or stale signature is
 * a 401 that writes nothing; a redelivery has one effect; a booking for nobody we know is kept as
 * unmatched; a route without its secret answers 404. PGlite always; Postgres with TEST_DATABASE_URL.
 */
import { readFileSync } from "node:fs";
import { signCalComBody, signCalendlyBody } from "@offerlab/core";
import { bookings, outcomes, resolve } from "@offerlab/db";
import { testEngines } from "@offerlab/db/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createWebhookApp } from "../app.js";
import { createLogger } from "../logger.js";
import { memoryLog, SECRET, seedWorld, sendFirstStep, vendorServer, type World } from "./world.js";

const vendor = vendorServer();
beforeAll(() => vendor.listen());
afterAll(() => vendor.server.close());

const CALCOM_SECRET = "calcom-webhook-secret-0123456789";
const CALENDLY_KEY = "calendly-signing-key-0123456789";
/** The fields of the vendors' documented bodies the tests change. */
interface Fixture {
  triggerEvent: string;
  createdAt: string;
  created_at: string;
  payload: { uid: string; email: string; startTime: string; attendees: { email: string; name: string; timeZone: string }[] };
}
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../../packages/core/src/__fixtures__/${name}.json`, import.meta.url), "utf8")) as Fixture;

describe.each(testEngines())("booking webhooks on %s", (engine) => {
  let w: World;
  afterEach(async () => {
    await w?.t.drop();
  });

  function app(config: { calcomSecret?: string | null; calendlySigningKey?: string | null } = {}) {
    const log = memoryLog();
    const { app } = createWebhookApp({
      db: w.db,
      config: {
        secret: SECRET,
        secretHeader: "x-offerlab-webhook-secret",
        maxBodyBytes: 64 * 1024,
        calcomSecret: CALCOM_SECRET,
        calendlySigningKey: CALENDLY_KEY,
        ...config,
      },
      logger: createLogger({ destination: log, level: "debug" }),
      now: () => w.clock.now,
      drainer: false,
    });
    return { app, log };
  }

  function calcomBody(email: string, uid = "cal-uid-1") {
    const body = fixture("calcom-booking-created");
    body.createdAt = w.clock.now.toISOString();
    body.payload.uid = uid;
    body.payload.attendees[0]!.email = email;
    return JSON.stringify(body);
  }

  const postCalcom = (a: ReturnType<typeof app>["app"], rawBody: string, signature?: string) =>
    a.request("/webhooks/calcom", {
      method: "POST",
      headers: { "content-type": "application/json", ...(signature !== undefined ? { "X-Cal-Signature-256": signature } : {}) },
      body: rawBody,
    });

  const written = async () => ({
    outcomes: (await outcomes.list(w.db)).length,
    unmatched: (await bookings.listUnmatched(w.db, { open: false })).length,
  });

  it("Cal.com: a valid signature records the meeting for the last-touch campaign; a redelivery has one effect", async () => {
    w = await seedWorld(engine, vendor.server);
    await sendFirstStep(w);
    w.advance(60_000);
    const { app: a } = app();
    const raw = calcomBody("Jane.Doe@ACME.com");
    const first = await postCalcom(a, raw, signCalComBody(raw, CALCOM_SECRET));
    expect(first.status).toBe(200);
    const body = (await first.json()) as { status: string; outcomeId: string; kind: string; duplicate: boolean };
    expect(body).toMatchObject({ ok: true, status: "recorded", kind: "meeting_booked", duplicate: false });
    const outcome = (await outcomes.list(w.db))[0]!;
    expect(outcome).toMatchObject({
      id: body.outcomeId,
      contact_id: w.janeId,
      source: "cal_com",
      external_id: "cal-uid-1:BOOKING_CREATED",
    });
    const campaignId = outcome.campaign_id!;
    expect(campaignId).not.toBeNull();
    // Five concurrent redeliveries: still one outcome and one meeting.
    const again = await Promise.all(Array.from({ length: 5 }, () => postCalcom(a, raw, signCalComBody(raw, CALCOM_SECRET))));
    for (const r of again) {
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ status: "duplicate", duplicate: true, outcomeId: body.outcomeId });
    }
    expect((await outcomes.list(w.db)).length).toBe(1);
    expect((await resolve.campaign(w.db, campaignId)).total_meetings).toBe(1);
    const cc = await w.db.selectFrom("campaign_contacts").select("meeting_booked").where("id", "=", w.janeCcId).executeTakeFirstOrThrow();
    expect(cc.meeting_booked).toBe(true);
  });

  it("Cal.com: a missing or wrong signature, or a stale createdAt, is 401 and writes nothing", async () => {
    w = await seedWorld(engine, vendor.server);
    await sendFirstStep(w);
    const { app: a, log } = app();
    const raw = calcomBody("jane.doe@acme.com");
    const stale = JSON.parse(raw);
    stale.createdAt = new Date(w.clock.now.getTime() - 10 * 60_000).toISOString();
    const staleRaw = JSON.stringify(stale);
    const cases: [string, string | undefined][] = [
      [raw, undefined],
      [raw, "0".repeat(64)],
      [raw, signCalComBody(raw, "not-the-secret-0123456789")],
      [raw.replace("jane.doe", "joe.doe"), signCalComBody(raw, CALCOM_SECRET)],
      [staleRaw, signCalComBody(staleRaw, CALCOM_SECRET)],
    ];
    for (const [body, sig] of cases) {
      const res = await postCalcom(a, body, sig);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: "unauthorized" });
    }
    expect(await written()).toEqual({ outcomes: 0, unmatched: 0 });
    expect(log.parsed().some((l) => String(l.problem ?? "").includes("outside the replay window"))).toBe(true);
    // Bad JSON under a valid signature: 400, nothing written.
    const bad = "{oops";
    const res = await postCalcom(a, bad, signCalComBody(bad, CALCOM_SECRET));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "invalid_input" });
    expect(await written()).toEqual({ outcomes: 0, unmatched: 0 });
  });

  it("Cal.com: a booking for nobody we know is kept once as unmatched, and PING is answered and ignored", async () => {
    w = await seedWorld(engine, vendor.server);
    const { app: a } = app();
    const raw = calcomBody("stranger@elsewhere.example", "cal-uid-stranger");
    for (let i = 0; i < 2; i++) {
      const res = await postCalcom(a, raw, signCalComBody(raw, CALCOM_SECRET));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: "unmatched", duplicate: i === 1 });
    }
    const kept = await bookings.listUnmatched(w.db);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({
      source: "cal_com",
      attendee_email: "stranger@elsewhere.example",
      external_id: "cal-uid-stranger:BOOKING_CREATED",
    });
    expect((await outcomes.list(w.db)).length).toBe(0);
    const ping = fixture("calcom-ping");
    ping.createdAt = w.clock.now.toISOString();
    const pingRaw = JSON.stringify(ping);
    const res = await postCalcom(a, pingRaw, signCalComBody(pingRaw, CALCOM_SECRET));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ignored", trigger: "PING" });
    expect((await bookings.listUnmatched(w.db, { open: false })).length).toBe(1);
  });

  it("Calendly: t= and v1= verified, stale timestamps refused; invitee.created recorded once", async () => {
    w = await seedWorld(engine, vendor.server);
    await sendFirstStep(w);
    w.advance(60_000);
    const { app: a } = app();
    const body = fixture("calendly-invitee-created");
    body.created_at = w.clock.now.toISOString();
    body.payload.email = "jane.doe@acme.com";
    const raw = JSON.stringify(body);
    const post = (header: string | undefined) =>
      a.request("/webhooks/calendly", {
        method: "POST",
        headers: { "content-type": "application/json", ...(header ? { "Calendly-Webhook-Signature": header } : {}) },
        body: raw,
      });
    for (const header of [
      undefined,
      signCalendlyBody(raw, "wrong-key-0123456789", w.clock.now),
      signCalendlyBody(raw, CALENDLY_KEY, new Date(w.clock.now.getTime() - 3_600_000)),
    ]) {
      expect((await post(header)).status).toBe(401);
    }
    expect(await written()).toEqual({ outcomes: 0, unmatched: 0 });
    const ok = await post(signCalendlyBody(raw, CALENDLY_KEY, w.clock.now));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: "recorded", kind: "meeting_booked" });
    expect((await post(signCalendlyBody(raw, CALENDLY_KEY, w.clock.now))).status).toBe(200);
    const all = await outcomes.list(w.db);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ source: "calendly", contact_id: w.janeId });
    expect(all[0]!.campaign_id).not.toBeNull();
  });

  it("a route whose secret is not configured answers 404 naming the variable, and writes nothing", async () => {
    w = await seedWorld(engine, vendor.server);
    const { app: a } = app({ calcomSecret: null, calendlySigningKey: null });
    const raw = calcomBody("jane.doe@acme.com");
    const res = await postCalcom(a, raw, signCalComBody(raw, CALCOM_SECRET));
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "not_found", error: expect.stringContaining("OFFERLAB_CALCOM_WEBHOOK_SECRET") });
    const cal = await a.request("/webhooks/calendly", { method: "POST", body: "{}" });
    expect(cal.status).toBe(404);
    expect(await cal.json()).toMatchObject({ error: expect.stringContaining("OFFERLAB_CALENDLY_SIGNING_KEY") });
    expect(await written()).toEqual({ outcomes: 0, unmatched: 0 });
  });
});
