/**
 * The reason catalogue is complete: every reason code the runtime can write (into
 * `send_queue.defer_reason`, `campaign_contacts.stop_reason`, a message event or an outcome) is in
 * `reasonCodes`, so `offerlab why` explains it. The decisions, deferrals, skips and cancellations
 * are typed `ReasonCode`, so the compiler checks those; this test reads the runtime's sources for
 * the literals written elsewhere.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { describeReason, isReasonCode } from "../../engine/reasons.js";

// The runtime's own files and the db aggregates whose transitions it calls (the writes live there).
const runtime = path.resolve(__dirname, "..");
const aggregates = path.resolve(__dirname, "../../../../db/src/aggregates");
const sources = [runtime, aggregates].flatMap((dir) =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .map((f) => ({ file: f, text: fs.readFileSync(path.join(dir, f), "utf8") })),
);

/** Snake-case literals in the value written to a reason field (`reason: "x"`, `defer_reason: a ? "x" : "y"`). */
function writtenReasons(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\b(?:defer_reason|stop_reason|reason)\s*:\s*([^,;}\n]*)/g)) {
    for (const lit of m[1]!.matchAll(/"([a-z][a-z_]*)"/g)) out.push(lit[1]!);
  }
  return out;
}

describe("the reason catalogue", () => {
  it("has every reason code the runtime writes, each with its sentence", () => {
    const found = new Map<string, string>();
    for (const { file, text } of sources) for (const r of writtenReasons(text)) found.set(r, file);
    // The scan sees the send path's own codes (a sanity check that it reads what it should).
    for (const code of [
      "claim_expired",
      "reconciled_not_sent",
      "max_attempts",
      "out_of_office",
      "paused",
      "min_gap",
      "campaign_daily_cap",
      "already_connected",
      "missing_data",
      "invitation_withdrawn",
    ]) {
      expect(found.has(code), code).toBe(true);
    }
    const missing = [...found].filter(([code]) => !isReasonCode(code)).map(([code, file]) => `${code} (${file})`);
    expect(missing).toEqual([]);
    for (const code of found.keys()) if (isReasonCode(code)) expect(describeReason(code)).toMatch(/^[A-Z].*\.$/);
  });

  it("has the campaign-contact statuses that stop a sequence, which the check writes as the skip's reason", () => {
    for (const status of ["replied", "meeting", "bounced", "unsubscribed", "completed", "failed"])
      expect(isReasonCode(status), status).toBe(true);
  });
});
