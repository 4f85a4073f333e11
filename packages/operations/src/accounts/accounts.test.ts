import { ValidationError } from "@offerlab/core";
import { accounts } from "@offerlab/db";
import type { SendingAccount } from "@offerlab/provider-kit";
import { describe, expect, it } from "vitest";
import { clock, NOW, testEngines, useTestDb } from "../__tests__/world.js";
import { OperationError } from "../errors.js";
import { addAccount } from "./add-account.js";
import { pauseAccount } from "./pause-account.js";
import { resumeAccount } from "./resume-account.js";
import { setAccountLimits } from "./set-account-limits.js";
import { syncAccounts } from "./sync-accounts.js";
import { warmAccount } from "./warm-account.js";

const remote = (id: string, over: Partial<SendingAccount> = {}): SendingAccount => ({
  id,
  type: "email",
  name: `${id}@team.io`,
  status: "active",
  vendorStatus: ["OK"],
  emailAddress: `${id}@team.io`,
  provider: "gmail",
  ...over,
});

/** A directory listing `pages` one after another; `failOn` makes that page's call fail. */
function directory(pages: SendingAccount[][], failOn?: number) {
  const calls: (string | null | undefined)[] = [];
  return {
    calls,
    listAccounts: async (params?: { cursor?: string | null; limit?: number }) => {
      calls.push(params?.cursor);
      const i = params?.cursor ? Number(params.cursor) : 0;
      if (i === failOn) throw new Error("503 from the provider");
      return { items: pages[i] ?? [], cursor: i + 1 < pages.length ? String(i + 1) : null };
    },
  };
}

describe.each(testEngines())("account operations on %s", (engine) => {
  const t = useTestDb(engine);
  const ctx = {
    get db() {
      return t.db;
    },
    now: clock,
  };

  it("adds an account: LinkedIn accounts default to the linkedin provider, warming starts on the context's clock, bad enums are named", async () => {
    const li = await addAccount(ctx, {
      name: "jane_li",
      type: "linkedin",
      owner: "jane",
      warm: true,
      limits: { daily_limit_connections: 15 },
    });
    expect(li).toMatchObject({ provider: "linkedin", warming_week: 1, daily_limit_connections: 15 });
    expect(li.warming_started_at!.toISOString()).toBe(NOW.toISOString());
    const bad = await addAccount(ctx, { name: "x", type: "fax", owner: "jane", rotation_set: "weird" }).catch((e: unknown) => e);
    expect(ValidationError.isInstance(bad) && bad.issues.map((i) => i.field)).toEqual(["type", "rotation_set"]);
    await expect(addAccount(ctx, { name: "mail", type: "email", owner: "jane" })).rejects.toThrow(/email_address: is required/);
  });

  it("pauses and resumes by the lifecycle; limits and warming change nothing when refused", async () => {
    const a = await addAccount(ctx, { name: "ops_li", type: "linkedin", owner: "ann" });
    expect(await pauseAccount(ctx, { account: "ops_li" })).toMatchObject({ previous: "active", account: { status: "paused" } });
    expect((await resumeAccount(ctx, { account: a.id })).account.status).toBe("active");

    await expect(setAccountLimits(ctx, { account: a.id, limits: { daily_limit_connections: 30, hourly_limit: -1 } })).rejects.toThrow(
      /hourly_limit/,
    );
    expect((await accounts.get(t.db, a.id))!.daily_limit_connections).toBe(a.daily_limit_connections);
    const read = await setAccountLimits(ctx, { account: a.id });
    expect(read).toMatchObject({ changed: false, previous: null, capacity: { account: { id: a.id } } });
    const changed = await setAccountLimits(ctx, { account: a.id, limits: { daily_limit_connections: 30 } });
    expect(changed.changed).toBe(true);
    expect(changed.previous!.daily_limit_connections).toBe(a.daily_limit_connections);
    expect(changed.capacity.account.daily_limit_connections).toBe(30);

    // The rest between two sends: whole seconds up to a day, or null for the runner's default.
    await expect(
      setAccountLimits(ctx, { account: a.id, limits: { send_gap_min_seconds: 120, send_gap_variance_seconds: 90_000 } }),
    ).rejects.toThrow(/send_gap_variance_seconds: must be a whole number of seconds from 0 to 86400/);
    expect((await accounts.get(t.db, a.id))!.send_gap_min_seconds).toBeNull();
    const paced = await setAccountLimits(ctx, { account: a.id, limits: { send_gap_min_seconds: 120, send_gap_variance_seconds: 60 } });
    expect(paced.capacity.account).toMatchObject({ send_gap_min_seconds: 120, send_gap_variance_seconds: 60 });
    const reset = await setAccountLimits(ctx, { account: a.id, limits: { send_gap_min_seconds: null } });
    expect(reset.capacity.account).toMatchObject({ send_gap_min_seconds: null, send_gap_variance_seconds: 60 });

    // The planner's jitter: whole minutes up to a day, or null for the default (17 minutes).
    await expect(setAccountLimits(ctx, { account: a.id, limits: { send_gap_min_seconds: 30, send_jitter_minutes: 1441 } })).rejects.toThrow(
      /send_jitter_minutes: must be a whole number of minutes from 0 to 1440/,
    );
    await expect(setAccountLimits(ctx, { account: a.id, limits: { send_jitter_minutes: 2.5 } })).rejects.toThrow(/send_jitter_minutes/);
    expect(await accounts.get(t.db, a.id)).toMatchObject({ send_gap_min_seconds: null, send_jitter_minutes: null });
    const jittered = await setAccountLimits(ctx, { account: a.id, limits: { send_jitter_minutes: 0 } });
    expect(jittered.capacity.account.send_jitter_minutes).toBe(0);
    expect(
      (await setAccountLimits(ctx, { account: a.id, limits: { send_jitter_minutes: null } })).capacity.account.send_jitter_minutes,
    ).toBeNull();

    await expect(warmAccount(ctx, { account: a.id, week: 2, stop: true })).rejects.toThrow(/not both/);
    const warming = await warmAccount(ctx, { account: a.id, week: 3 });
    expect(warming.warming_week).toBe(3);
    expect(warming.warming_started_at!.getTime()).toBe(NOW.getTime() - 14 * 86_400_000);
    expect((await warmAccount(ctx, { account: a.id, stop: true })).warming_week).toBe(0);
  });

  it("syncs every page of the directory; a dry run writes nothing; a failing directory changes nothing", async () => {
    const dir = directory([
      [remote("s1")],
      [remote("s2", { type: "linkedin", name: "Sam Two", emailAddress: null, provider: "linkedin" })],
    ]);
    const dry = await syncAccounts({ ...ctx, directory: dir }, { dryRun: true });
    expect(dry.changes.map((c) => c.action)).toEqual(["create", "create"]);
    expect(dir.calls).toEqual([null, "1"]);
    expect(await accounts.list(t.db).then((rows) => rows.filter((r) => r.unipile_account_id?.startsWith("s")))).toEqual([]);

    const failing = directory([[remote("s1")], [remote("s2")]], 1);
    const e = await syncAccounts({ ...ctx, directory: failing }).catch((err: unknown) => err);
    expect(OperationError.isInstance(e) && [e.code, e.message]).toEqual([
      "provider_failed",
      "could not list Unipile accounts: 503 from the provider. Nothing was changed.",
    ]);
    expect(await accounts.list(t.db).then((rows) => rows.filter((r) => r.unipile_account_id?.startsWith("s")))).toEqual([]);

    const done = await syncAccounts(
      {
        ...ctx,
        directory: directory([
          [remote("s1")],
          [remote("s2", { type: "linkedin", name: "Sam Two", emailAddress: null, provider: "linkedin" })],
        ]),
      },
      { owner: "team" },
    );
    expect(done.accounts.map((a) => [a.unipile_account_id, a.owner, a.warming_week]).sort()).toEqual([
      ["s1", "team", 1],
      ["s2", "team", 1],
    ]);
    expect(done.accounts[0]!.warming_started_at!.toISOString()).toBe(NOW.toISOString());
  });
});
