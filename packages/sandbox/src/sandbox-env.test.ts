import type { UsageEvent } from "@offerlab/provider-kit";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createSandbox, isSandboxEnabled, SANDBOX_BASE_URLS, SANDBOX_ENV } from "./index.js";

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe("isSandboxEnabled", () => {
  it("is on only when asked explicitly: OFFERLAB_SANDBOX=1 or true, or --sandbox", () => {
    expect(isSandboxEnabled({})).toBe(false);
    for (const on of ["1", "true", " TRUE ", "True"]) expect(isSandboxEnabled({ [SANDBOX_ENV]: on }), on).toBe(true);
    for (const off of ["", "0", "false", "no", "yes", "sandbox"]) expect(isSandboxEnabled({ [SANDBOX_ENV]: off }), off).toBe(false);
    expect(isSandboxEnabled({}, { sandbox: true })).toBe(true);
    expect(isSandboxEnabled({}, { sandbox: false })).toBe(false);
    expect(isSandboxEnabled({}, ["node", "offerlab", "demo", "--sandbox"])).toBe(true);
    expect(isSandboxEnabled({}, ["node", "offerlab", "demo", "--sandboxed", "sandbox"])).toBe(false);
  });

  it("is never turned on by missing API keys, and reads process.env by default", () => {
    expect(isSandboxEnabled({ UNIPILE_API_KEY: undefined, OFFERLAB_LLM: undefined })).toBe(false);
    vi.stubEnv(SANDBOX_ENV, "");
    expect(isSandboxEnabled()).toBe(false);
    vi.stubEnv(SANDBOX_ENV, "1");
    expect(isSandboxEnabled()).toBe(true);
  });
});

describe("sandbox.fetch", () => {
  it("refuses every URL outside the sandbox before anything leaves the process", async () => {
    const sandbox = createSandbox({ seed: "fetch" });
    const network = vi.spyOn(globalThis, "fetch");
    for (const url of [
      "https://api.unipile.com/api/v1/accounts",
      "https://api8.unipile.com:13851/api/v1/users/invite",
      "https://api.theirstack.com/v1/companies/search",
      "https://api.exa.ai/search",
      "https://api.openai.com/v1/chat/completions",
      "https://unipile.sandbox.offerlab.invalid.attacker.example/api/v1/accounts",
      "https://unipile.sandbox.offerlab.invalid/not-the-api/accounts",
      "http://127.0.0.1:5432/",
    ]) {
      await expect(sandbox.fetch(url, { method: "POST", headers: { "X-API-KEY": "real-key" }, body: "{}" }), url).rejects.toThrow(
        /refused a request outside the sandbox/,
      );
    }
    expect(network).not.toHaveBeenCalled();
  });

  it("answers the sandbox's own URLs in-process, and honours an aborted signal", async () => {
    const sandbox = createSandbox({ seed: "fetch" });
    const network = vi.spyOn(globalThis, "fetch");
    const res = await sandbox.fetch(`${SANDBOX_BASE_URLS.unipile}/accounts`, { headers: { "X-API-KEY": sandbox.apiKeys.unipile } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { items: unknown[] }).items).toHaveLength(sandbox.world.accounts.length);
    // A wrong key is refused by the simulated vendor as the real one would.
    expect((await sandbox.fetch(`${SANDBOX_BASE_URLS.unipile}/accounts`, { headers: { "X-API-KEY": "real-key" } })).status).toBe(401);
    const controller = new AbortController();
    controller.abort(new Error("cancelled by caller"));
    await expect(sandbox.fetch(`${SANDBOX_BASE_URLS.exa}/search`, { method: "POST", signal: controller.signal })).rejects.toThrow(
      "cancelled by caller",
    );
    expect(network).not.toHaveBeenCalled();
  });

  it("the adapters from providers() ignore real keys in the environment and never touch the network", async () => {
    for (const name of [
      "UNIPILE_API_KEY",
      "LEADMAGIC_API_KEY",
      "THEIRSTACK_API_KEY",
      "EXA_API_KEY",
      "FIRECRAWL_API_KEY",
      "PARALLEL_API_KEY",
      "SUMBLE_API_KEY",
    ])
      vi.stubEnv(name, `real-${name}`);
    vi.stubEnv("UNIPILE_BASE_URL", "https://api8.unipile.com:13851/api/v1");
    vi.stubEnv("THEIRSTACK_BASE_URL", "https://api.theirstack.com");
    const network = vi.spyOn(globalThis, "fetch");
    const sandbox = createSandbox({ seed: "keys", world: { companies: 20 } });
    const usage: UsageEvent[] = [];
    const p = sandbox.providers({ onUsage: (e) => void usage.push(e) });
    const company = sandbox.world.companies[0] as (typeof sandbox.world.companies)[number];
    // The simulated vendors accept only their sandbox keys: each call succeeding proves the real key was not sent.
    await p.unipile.listAccounts();
    await p.theirstack.enrichCompany({ domain: company.domain });
    await p.exa.searchCompanies({ query: "software" });
    await p.parallel.searchCompanies({ query: "software" });
    await p.sumble.enrichCompany({ domain: company.domain });
    await p.firecrawl.scrapePage(`https://www.${company.domain}/`);
    await p.leadmagic.verifyEmail(`someone@${company.domain}`);
    expect(new Set(sandbox.journal.map((e) => e.provider))).toEqual(
      new Set(["unipile", "theirstack", "exa", "parallel", "sumble", "firecrawl", "leadmagic"]),
    );
    expect(sandbox.journalJsonl()).not.toMatch(/real-/);
    // Usage is reported as in a real run, one event per operation, every one a success.
    expect(usage).toHaveLength(7);
    expect(usage.every((e) => e.status === "success")).toBe(true);
    expect(JSON.stringify(usage)).not.toMatch(/real-|sandbox-[a-z]+-key/);
    expect(network).not.toHaveBeenCalled();
  });
});
