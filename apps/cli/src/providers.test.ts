import { ProviderError, type UsageEvent } from "@offerlab/provider-kit";
import { createSandbox, SANDBOX_API_KEYS, SANDBOX_BANNER, SANDBOX_BASE_URLS } from "@offerlab/sandbox";
import { describe, expect, it } from "vitest";
import type { Io } from "./output.js";
import { CliError } from "./output.js";
import { createCliProviders, missingVendorEnv, sandboxStart, VENDORS } from "./providers.js";

function io(env: Record<string, string | undefined>) {
  let stderr = "";
  const value: Io = { stdout: () => undefined, stderr: (t) => void (stderr += t), env, cwd: process.cwd() };
  return { io: value, stderr: () => stderr };
}

describe("createCliProviders in real mode", () => {
  it("refuses a vendor without its key: exit 2, the env var named, --sandbox suggested", async () => {
    const { io: x, stderr } = io({ EXA_API_KEY: "k" });
    const p = await createCliProviders(x);
    expect(p.sandbox).toBe(false);
    expect(p.has("exa")).toBe(true);
    expect(p.has("leadmagic")).toBe(false);
    expect(p.available()).toEqual(["exa"]);
    let error: unknown;
    try {
      p.get("leadmagic");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect((error as CliError).message).toMatch(/leadmagic is not configured: set LEADMAGIC_API_KEY, or run with --sandbox/);
    expect(stderr()).toBe("");
  });

  it("needs Unipile's DSN or base URL besides its key", () => {
    expect(missingVendorEnv("unipile", { UNIPILE_API_KEY: "k" })).toEqual(["UNIPILE_DSN (or UNIPILE_BASE_URL)"]);
    expect(missingVendorEnv("unipile", { UNIPILE_API_KEY: "k", UNIPILE_DSN: "api8.unipile.com:13851" })).toEqual([]);
    expect(missingVendorEnv("unipile", {})).toEqual(["UNIPILE_API_KEY", "UNIPILE_DSN (or UNIPILE_BASE_URL)"]);
    expect(missingVendorEnv("exa", { EXA_API_KEY: "   " })).toEqual(["EXA_API_KEY"]);
  });

  it("builds the real adapter with the key and base URL of the command's environment, and reports usage", async () => {
    // The sandbox's fetch serves LeadMagic's MSW fake, which accepts only the sandbox key.
    const world = createSandbox({ seed: "providers-test", env: {} });
    const events: UsageEvent[] = [];
    const good = await createCliProviders(
      io({ LEADMAGIC_API_KEY: SANDBOX_API_KEYS.leadmagic, LEADMAGIC_BASE_URL: SANDBOX_BASE_URLS.leadmagic }).io,
      {
        fetch: world.fetch,
        onUsage: (e) => void events.push(e),
      },
    );
    const lm = good.get("leadmagic");
    expect(good.get("leadmagic")).toBe(lm);
    const credits = await lm.getCredits();
    expect(credits.credits).toBeGreaterThan(0);
    expect(events.map((e) => e.tool)).toEqual(["leadmagic"]);

    const bad = await createCliProviders(io({ LEADMAGIC_API_KEY: "wrong-key", LEADMAGIC_BASE_URL: SANDBOX_BASE_URLS.leadmagic }).io, {
      fetch: world.fetch,
    });
    const failure = await bad
      .get("leadmagic")
      .getCredits()
      .catch((e: unknown) => e);
    expect(ProviderError.isInstance(failure) && failure.kind).toBe("auth");
  });
});

describe("createCliProviders in sandbox mode", () => {
  it("ignores real keys, serves every vendor from the sandbox and prints the banner once", async () => {
    const { io: x, stderr } = io({ LEADMAGIC_API_KEY: "a-real-looking-key" });
    const p = await createCliProviders(x, { sandbox: true, seed: "s1" });
    expect(p.sandbox).toBe(true);
    expect(p.world).not.toBeNull();
    expect(p.available()).toEqual([...VENDORS]);
    expect(stderr()).toBe(`${SANDBOX_BANNER}\n`);
    // Answered by the simulated LeadMagic (the real key would be refused there).
    expect((await p.get("leadmagic").getCredits()).credits).toBeGreaterThan(0);
    expect(p.world!.journal.length).toBe(1);
  });

  it("turns on with OFFERLAB_SANDBOX=1, takes its seed from OFFERLAB_SANDBOX_SEED, and can stay quiet", async () => {
    const a = await createCliProviders(io({ OFFERLAB_SANDBOX: "1", OFFERLAB_SANDBOX_SEED: "same" }).io, { banner: false });
    const b = await createCliProviders(io({ OFFERLAB_SANDBOX: "true" }).io, { seed: "same", banner: false });
    expect(a.sandbox && b.sandbox).toBe(true);
    expect(a.world!.seed).toBe("same");
    expect(a.world!.world.companies.map((c) => c.domain)).toEqual(b.world!.world.companies.map((c) => c.domain));
    const off = await createCliProviders(io({ OFFERLAB_SANDBOX: "0" }).io);
    expect(off.sandbox).toBe(false);
  });
});

describe("the sandbox's start (--start, OFFERLAB_SANDBOX_START)", () => {
  it("is a fixed date unless told otherwise: a date is 08:00 UTC that day, an instant needs its offset, today is today's", () => {
    expect(sandboxStart(undefined).toISOString()).toBe("2026-03-02T08:00:00.000Z");
    expect(sandboxStart("2026-06-15").toISOString()).toBe("2026-06-15T08:00:00.000Z");
    expect(sandboxStart("2026-06-15T14:30:00+02:00").toISOString()).toBe("2026-06-15T12:30:00.000Z");
    expect(sandboxStart("today", "--start", new Date("2027-01-04T23:59:00Z")).toISOString()).toBe("2027-01-04T08:00:00.000Z");
    for (const bad of ["2026-02-30", "2026-06-15T14:30", "tomorrow", ""]) {
      let error: unknown;
      try {
        sandboxStart(bad);
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(2);
      expect((error as CliError).message).toMatch(/^--start: a date \(YYYY-MM-DD/);
    }
  });

  it("sets the sandbox's clock: from the option, else the command's --start, else OFFERLAB_SANDBOX_START, else the fixed date", async () => {
    const quiet = { sandbox: true, banner: false } as const;
    expect((await createCliProviders(io({}).io, quiet)).world!.clock.now().toISOString()).toBe("2026-03-02T08:00:00.000Z");
    expect((await createCliProviders(io({ OFFERLAB_SANDBOX_START: "2026-05-04" }).io, quiet)).world!.clock.now().toISOString()).toBe(
      "2026-05-04T08:00:00.000Z",
    );
    const withFlag = { ...io({ OFFERLAB_SANDBOX_START: "2026-05-04" }).io, sandboxStart: "2026-07-01" };
    expect((await createCliProviders(withFlag, quiet)).world!.clock.now().toISOString()).toBe("2026-07-01T08:00:00.000Z");
    expect((await createCliProviders(withFlag, { ...quiet, start: "2026-08-03" })).world!.clock.now().toISOString()).toBe(
      "2026-08-03T08:00:00.000Z",
    );
    await expect(createCliProviders(io({ OFFERLAB_SANDBOX_START: "soon" }).io, quiet)).rejects.toThrow(/^OFFERLAB_SANDBOX_START: a date/);
  });
});
