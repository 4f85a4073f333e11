import fs from "node:fs";
import path from "node:path";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../scripts/schema-gen.js";
import { createTestDb, testEngines } from "./testing.js";
import { views } from "./views.js";

const seed = fs.readFileSync(path.join(repoRoot, "supabase/seed.sql"), "utf8");

describe.each(testEngines())("supabase/seed.sql on %s", (engine) => {
  it("applies after the migrations, twice, and gives the views something coherent to show", async () => {
    const t = await createTestDb(engine);
    try {
      await sql.raw(seed).execute(t.db);
      await sql.raw(seed).execute(t.db);
      const ready = await views.contactsReady(t.db);
      // Omar is a 1st-degree connection and Li was already contacted: only Jane is ready.
      expect(ready.map((r) => r.full_name)).toEqual(["Jane Doe"]);
      const health = await views.accountHealth(t.db);
      expect(health.map((h) => [h.name, h.can_send])).toEqual([
        ["mike_linkedin", true],
        ["sales@offerlab.dev", true],
      ]);
    } finally {
      await t.drop();
    }
  });
});
