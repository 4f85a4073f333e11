/**
 * The one list of vendors, checked against everything that must agree with it: each vendor's
 * adapter, the sandbox (a simulated counterpart for every descriptor), the `tools` table as the
 * migrations seed it (usage of a tool without a row fails at run time with "unknown tool"), and
 * the `.env.example` that `offerlab init` writes.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDb, testEngines } from "@offerlab/db/testing";
import { defineVendor, implementsCapability, type CapabilityName, type UsageEvent, type VendorDescriptor } from "@offerlab/provider-kit";
import { createLeadMagic } from "@offerlab/provider-leadmagic";
import { createSandbox, isSandboxProvider, SANDBOX_PROVIDERS, type Sandbox } from "@offerlab/sandbox";
import { describe, expect, it } from "vitest";
import { INIT_FILES } from "./commands/init.js";
import { errorCodeOf } from "@offerlab/core";
import { CAPABLE, VENDOR_ENV, VENDOR_LIST, VENDORS, vendorDescriptor, vendorEnvExample } from "./vendors.js";

const world = createSandbox({ seed: "vendors-test", env: {} });
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

describe("the vendor list", () => {
  it("names each vendor once, and each descriptor builds an adapter that names itself the same", () => {
    expect(new Set(VENDORS).size).toBe(VENDOR_LIST.length);
    for (const d of VENDOR_LIST) {
      expect((d.create({ apiKey: "k" }) as { provider: string }).provider).toBe(d.name);
      expect(d.env[0]).toMatchObject({ option: "apiKey", required: true });
      expect(d.tools.length).toBeGreaterThan(0);
    }
  });

  it("holds every vendor package of packages/providers, each a dependency of the CLI", () => {
    const dirs = fs
      .readdirSync(path.join(repo, "packages/providers"))
      .filter((d) => fs.existsSync(path.join(repo, "packages/providers", d, "package.json")));
    expect([...VENDORS].sort()).toEqual(dirs.sort());
    // Bundled into the published CLI: a devDependency of the package (its dependencies are what the bundle leaves external).
    const cli = JSON.parse(fs.readFileSync(path.join(repo, "apps/cli/package.json"), "utf8")) as {
      devDependencies: Record<string, string>;
    };
    for (const v of VENDORS) expect(cli.devDependencies).toHaveProperty(`@offerlab/provider-${v}`);
  });

  it("refuses a name that is no vendor with a usage error listing the vendors", () => {
    const error = (() => {
      try {
        vendorDescriptor("clearbit" as never);
      } catch (e) {
        return e;
      }
    })();
    expect(errorCodeOf(error)).toBe("invalid_usage");
    expect((error as Error).message).toBe(`unknown vendor "clearbit": choose one of ${VENDORS.join(", ")}`);
  });

  it("derives the capability map the pipeline commands choose from, in the list's order", () => {
    expect(Object.fromEntries(Object.entries(CAPABLE).map(([c, spec]) => [c, spec.vendors]))).toEqual({
      companySearch: ["theirstack", "exa", "parallel"],
      peopleSearch: ["parallel", "sumble"],
      emailFinder: ["leadmagic"],
      emailVerifier: ["leadmagic"],
      pageScraper: ["firecrawl"],
    });
    expect(CAPABLE.companySearch.what).toBe("company search");
    expect(VENDOR_ENV.unipile).toEqual({ apiKey: "UNIPILE_API_KEY", dsn: "UNIPILE_DSN", baseUrl: "UNIPILE_BASE_URL" });
    expect(VENDOR_ENV.exa).toEqual({ apiKey: "EXA_API_KEY", baseUrl: "EXA_BASE_URL" });
  });

  it("puts every variable of every vendor, commented, in the .env.example init writes", () => {
    const written = INIT_FILES.find((f) => f.file === ".env.example")!.text;
    for (const d of VENDOR_LIST) {
      for (const v of d.env) {
        expect(written).toMatch(new RegExp(`^${v.name}=$`, "m"));
        expect(written).toContain(`# ${v.description}`);
      }
    }
    expect(
      vendorEnvExample([
        {
          title: "Acme",
          summary: "finds things",
          env: [{ name: "ACME_API_KEY", option: "apiKey", required: true, description: "the key" }],
        },
      ]),
    ).toMatch(/# Acme: finds things\.\n# the key\nACME_API_KEY=$/);
  });
});

describe("every vendor has a simulated counterpart in the sandbox", () => {
  it.each(VENDOR_LIST.map((d) => [d.name, d] as const))("%s", (_name, d) => {
    expect(isSandboxProvider(d.simulated)).toBe(true);
    const adapter = world.adapter(d as VendorDescriptor);
    expect(adapter.provider).toBe(d.name);
    for (const c of d.capabilities) expect(implementsCapability(adapter, c)).toBe(true);
  });

  it("refuses a descriptor whose counterpart the sandbox does not know, naming it", () => {
    const stray = defineVendor({
      ...VENDOR_LIST[1],
      name: "leadmagic2",
      simulated: "leadmagic2",
      create: createLeadMagic,
      capabilities: ["emailFinder"],
    });
    expect(isSandboxProvider(stray.simulated)).toBe(false);
    expect(() => world.adapter(stray)).toThrow(/vendor "leadmagic2" has no simulated counterpart "leadmagic2"/);
    expect(SANDBOX_PROVIDERS).not.toContain("leadmagic2");
  });
});

/**
 * One call per capability, with inputs from the sandbox's world; failures are fine (a usage event
 * is reported for failed calls too): what matters is which tools the events name.
 */
async function exercise(
  sandbox: Sandbox,
  capability: CapabilityName,
  adapter: Record<string, (...args: unknown[]) => Promise<unknown>>,
): Promise<void> {
  const company = sandbox.world.companies[0]!;
  const person = sandbox.world.people.find((p) => p.companyDomain === company.domain) ?? sandbox.world.people[0]!;
  const linkedin = sandbox.world.accounts.find((a) => a.type === "LINKEDIN")!;
  const mailbox = sandbox.world.accounts.find((a) => a.type !== "LINKEDIN")!;
  const calls: Record<CapabilityName, () => Promise<unknown>> = {
    companySearch: () => adapter.searchCompanies!({ query: `${company.industry} companies`, limit: 3 }),
    peopleSearch: () => adapter.searchPeople!({ company: { name: company.name, domain: company.domain }, limit: 3 }),
    emailFinder: () => adapter.findEmail!({ firstName: person.first_name, lastName: person.last_name, domain: person.companyDomain }),
    emailVerifier: () => adapter.verifyEmail!(person.email),
    companyEnricher: () => adapter.enrichCompany!({ domain: company.domain, name: company.name }),
    pageScraper: () => adapter.scrapePage!(`https://www.${company.domain}/`),
    accountDirectory: () => adapter.listAccounts!(),
    linkedInSender: () => adapter.resolveProfile!(linkedin.id, person.public_identifier),
    emailSender: () => adapter.sendEmail!({ accountId: mailbox.id, to: [{ email: person.email }], subject: "Hello", body: "Hi" }),
    inbox: () => adapter.listEmails!({ accountId: mailbox.id }),
    sendReconciler: () =>
      adapter.reconcile!({
        kind: "linkedin_invitation",
        accountId: linkedin.id,
        providerId: person.provider_id,
        attemptedAt: sandbox.clock.now(),
      }),
  };
  await calls[capability]().catch(() => undefined);
}

describe("usage is recorded against tools the migrations seed", () => {
  it("each vendor reports usage only for the tools its descriptor names", async () => {
    const sandbox = createSandbox({ seed: "vendors-usage", env: {} });
    for (const d of VENDOR_LIST) {
      const events: UsageEvent[] = [];
      const adapter = sandbox.adapter(d as VendorDescriptor, { onUsage: (e) => void events.push(e) });
      for (const c of d.capabilities)
        await exercise(sandbox, c, adapter as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>);
      expect(events.length, `${d.name} reported no usage`).toBeGreaterThan(0);
      for (const e of events) expect(d.tools, `${d.name} reported usage for "${e.tool}" (${e.action})`).toContain(e.tool);
    }
  });

  describe.each(testEngines())("on %s", (engine) => {
    it("every tool a vendor names has its row in `tools` once the migrations have run", async () => {
      const t = await createTestDb(engine);
      try {
        const seeded = new Set((await t.db.selectFrom("tools").select("name").execute()).map((r) => r.name));
        for (const d of VENDOR_LIST) {
          for (const tool of d.tools)
            expect(seeded.has(tool), `tools has no row "${tool}" for ${d.name}: seed it in a migration`).toBe(true);
        }
      } finally {
        await t.drop();
      }
    });
  });
});
