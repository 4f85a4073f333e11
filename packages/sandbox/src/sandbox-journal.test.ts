import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SendingAccount } from "@offerlab/provider-kit";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { createSandbox, normalizeJournal, SANDBOX_API_KEYS, SANDBOX_JOURNAL_ENV } from "./index.js";
import type { JournalEntry } from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "offerlab-journal-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

const REAL_KEYS = {
  UNIPILE_API_KEY: "real-unipile-key-must-never-leave",
  LEADMAGIC_API_KEY: "real-leadmagic-key-must-never-leave",
  THEIRSTACK_API_KEY: "real-theirstack-key-must-never-leave",
  EXA_API_KEY: "real-exa-key-must-never-leave",
  FIRECRAWL_API_KEY: "fc-real-firecrawl-key-must-never-leave",
  PARALLEL_API_KEY: "real-parallel-key-must-never-leave",
  SUMBLE_API_KEY: "real-sumble-key-must-never-leave",
};
const lines = (path: string) =>
  readFileSync(path, "utf8")
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as JournalEntry);

describe("the journal", () => {
  it("writes one JSONL line per request to OFFERLAB_SANDBOX_JOURNAL: simulated time, vendor, method, path and the key fields, never a key", async () => {
    const path = join(dir, "nested", "run.jsonl");
    for (const [name, value] of Object.entries(REAL_KEYS)) vi.stubEnv(name, value);
    vi.stubEnv(SANDBOX_JOURNAL_ENV, path);
    const sandbox = createSandbox({ seed: "journal", world: { companies: 30 } });
    const p = sandbox.providers();
    const accounts = (await p.unipile.listAccounts()).items;
    const li = accounts.find((a) => a.type === "linkedin") as SendingAccount;
    const mailbox = accounts.find((a) => a.type === "email") as SendingAccount;
    const [a, b] = sandbox.world.people.filter((x) => x.degree === 2) as [
      (typeof sandbox.world.people)[number],
      (typeof sandbox.world.people)[number],
    ];

    await p.exa.searchCompanies({ query: "fintech companies hiring sales reps", limit: 5 });
    sandbox.clock.advance(60_000);
    await p.unipile.sendInvitation({ accountId: li.id, providerId: a.provider_id, note: "Hi, glad to connect." });
    sandbox.clock.advance(60_000);
    await p.unipile.sendEmail({
      accountId: mailbox.id,
      to: [{ email: b.email, name: b.full_name }],
      subject: "Ramping reps",
      text: "A long body that the journal keeps only the length of.",
      sendId: "queue-row-42",
    });
    await p.unipile.createWebhook({
      requestUrl: "https://hooks.example.test/u",
      source: "users",
      secret: "webhook-secret-that-must-not-be-journaled",
    });
    await p.leadmagic.verifyEmail(b.email);

    const file = lines(path);
    expect(file).toHaveLength(6);
    expect(file).toEqual(JSON.parse(JSON.stringify(sandbox.journal)));
    expect(file.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(file.map((e) => `${e.provider} ${e.method} ${e.path}`)).toEqual([
      "unipile GET /accounts",
      "exa POST /search",
      "unipile POST /users/invite",
      "unipile POST /emails",
      "unipile POST /webhooks",
      "leadmagic POST /v1/people/email-validation",
    ]);
    expect(file[1]).toMatchObject({
      at: "2026-03-02T08:00:00.000Z",
      fields: { query: "fintech companies hiring sales reps", numResults: 5 },
    });
    // Who was contacted, by which account, when.
    expect(file[2]).toMatchObject({
      at: "2026-03-02T08:01:00.000Z",
      fields: { account_id: li.id, provider_id: a.provider_id, note_chars: 20 },
    });
    expect(file[3]).toMatchObject({
      at: "2026-03-02T08:02:00.000Z",
      fields: { account_id: mailbox.id, to: [b.email], subject: "Ramping reps", send_id: "queue-row-42" },
    });
    expect(file[3]?.fields.body_chars).toBe("A long body that the journal keeps only the length of.".length);
    expect(file[5]).toMatchObject({ fields: { email: b.email } });

    const raw = readFileSync(path, "utf8");
    for (const secret of [...Object.values(REAL_KEYS), ...Object.values(SANDBOX_API_KEYS), "webhook-secret-that-must-not-be-journaled"])
      expect(raw).not.toContain(secret);
    expect(raw).not.toContain("A long body");
  });

  it("the journalPath option wins over the env var; without either nothing is written", async () => {
    const fromEnv = join(dir, "env.jsonl");
    const fromOption = join(dir, "option.jsonl");
    const withOption = createSandbox({ seed: "paths", journalPath: fromOption, env: { [SANDBOX_JOURNAL_ENV]: fromEnv } });
    await withOption.providers().unipile.listAccounts();
    expect(lines(fromOption)).toHaveLength(1);
    expect(existsSync(fromEnv)).toBe(false);

    const memory = createSandbox({ seed: "paths", env: {} });
    await memory.providers().unipile.listAccounts();
    expect(memory.journal).toHaveLength(1);
    expect(memory.journalJsonl()).toBe(`${JSON.stringify(memory.journal[0])}\n`);
  });

  it("keeps lines in request order when requests overlap, and redacts credential-like query parameters", async () => {
    const path = join(dir, "concurrent.jsonl");
    const sandbox = createSandbox({ seed: "concurrent", journalPath: path, world: { companies: 40 } });
    const p = sandbox.providers();
    await Promise.all(
      sandbox.world.companies
        .slice(0, 15)
        .map((c, i) => (i % 2 ? p.theirstack.enrichCompany({ domain: c.domain }) : p.leadmagic.verifyEmail(`ceo@${c.domain}`))),
    );
    expect(lines(path).map((e) => e.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));

    await sandbox.fetch(`${sandbox.baseUrls.unipile}/accounts?limit=5&api_key=leaked-in-a-url&access_token=also-leaked`, {
      headers: { "X-API-KEY": sandbox.apiKeys.unipile },
    });
    const last = lines(path).at(-1);
    expect(last?.query).toEqual({ limit: "5", api_key: "[redacted]", access_token: "[redacted]" });
    expect(readFileSync(path, "utf8")).not.toContain("leaked");
  });
});

describe("normalizeJournal", () => {
  const run = (sendIds: string[]) =>
    sendIds.map((id, i) => JSON.stringify({ seq: i + 1, path: "/emails", fields: { send_id: id, to: ["ada@acme.example"] } })).join("\n") +
    "\n";

  it("replaces UUID-shaped ids by their order of first appearance, so two runs of one seed compare byte for byte", () => {
    const one = run([
      "3f0c8a4e-6a1b-4c2d-9e8f-0a1b2c3d4e5f",
      "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
      "3f0c8a4e-6a1b-4c2d-9e8f-0a1b2c3d4e5f",
    ]);
    const two = run([
      "b1b2b3b4-c1c2-4d1d-8e1e-f1f2f3f4f5f6",
      "0a0b0c0d-1e1f-4a2b-9c3d-4e5f6a7b8c9d",
      "B1B2B3B4-C1C2-4D1D-8E1E-F1F2F3F4F5F6",
    ]);
    expect(normalizeJournal(one)).toBe(normalizeJournal(two));
    expect(normalizeJournal(one)).toContain('"send_id":"<id:1>"');
    expect(normalizeJournal(one).split("\n")[1]).toContain('"send_id":"<id:2>"');
    // Another story stays another story: ids in another order of appearance are not equal.
    expect(
      normalizeJournal(
        run(["3f0c8a4e-6a1b-4c2d-9e8f-0a1b2c3d4e5f", "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a", "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"]),
      ),
    ).not.toBe(normalizeJournal(one));
    // Everything else is left as it is.
    expect(normalizeJournal('{"account_id":"sbxMailbox25d851344c2","at":"2026-03-02T08:00:00.000Z"}')).toBe(
      '{"account_id":"sbxMailbox25d851344c2","at":"2026-03-02T08:00:00.000Z"}',
    );
  });
});
