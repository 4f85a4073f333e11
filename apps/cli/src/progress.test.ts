import { describe, expect, it } from "vitest";
import type { Io } from "./output.js";
import { createProgress, renderProgress } from "./progress.js";

function capture() {
  let stderr = "";
  const io: Io = { stdout: () => undefined, stderr: (t) => void (stderr += t), env: {}, cwd: "/" };
  return { io, stderr: () => stderr };
}

describe("progress", () => {
  it("renders a bar for a known total, a counter otherwise, credits and the item, within the width", () => {
    expect(renderProgress({ label: "enrich emails", done: 3, total: 12, credits: 2.5, message: "Jane Doe" })).toBe(
      "enrich emails  [######------------------] 3/12  2.5 credits  Jane Doe",
    );
    expect(renderProgress({ label: "discover companies", done: 40, total: null })).toBe("discover companies  40…");
    expect(renderProgress({ label: "x", done: 1, total: 1, message: "m".repeat(200) }, 40)).toHaveLength(39);
  });

  it("draws on a terminal, throttled, always drawing the last item, and clears the line", () => {
    const c = capture();
    let t = 0;
    const p = createProgress(c.io, { tty: true, columns: 80, now: () => t });
    expect(p.enabled).toBe(true);
    p.update({ label: "scrape", done: 1, total: 3 });
    t = 50;
    p.update({ label: "scrape", done: 2, total: 3 }); // within 100 ms: skipped
    p.update({ label: "scrape", done: 3, total: 3 }); // the last one: drawn
    p.clear();
    const frames = c.stderr().split("\r\x1b[2K").filter(Boolean);
    expect(frames).toEqual(["scrape  [########----------------] 1/3", "scrape  [########################] 3/3"]);
    expect(c.stderr().endsWith("\r\x1b[2K")).toBe(true);
  });

  it("stays silent with --json or when stderr is not a terminal", () => {
    for (const options of [{ tty: true, json: true }, { tty: false }, {}]) {
      const c = capture();
      const p = createProgress(c.io, options);
      p.update({ label: "x", done: 1, total: 2 });
      p.clear();
      expect(p.enabled).toBe(false);
      expect(c.stderr()).toBe("");
    }
  });
});
