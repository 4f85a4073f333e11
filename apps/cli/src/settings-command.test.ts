import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "./cli.js";
import type { Io } from "./output.js";

async function runCli(args: string[], env: Record<string, string | undefined>) {
  let stdout = "";
  let stderr = "";
  const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, cwd: os.tmpdir() };
  const code = await run(["node", "offerlab", ...args], io);
  return { code, stdout, stderr };
}

describe("offerlab settings", () => {
  it("shows the 60-day default, changes the cooling-off window and refuses a bad value", async () => {
    const env = { OFFERLAB_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-settings-")) };
    expect(JSON.parse((await runCli(["settings", "show", "--json"], env)).stdout)).toEqual({ coolingOffDays: 60 });

    const set = await runCli(["settings", "cooling-off", "90", "--json"], env);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({ previous: { coolingOffDays: 60 }, settings: { coolingOffDays: 90 } });
    expect((await runCli(["settings", "show"], env)).stdout).toContain("cooling-off window: 90 days");

    const bad = await runCli(["settings", "cooling-off", "0"], env);
    expect(bad.code).toBe(2);
    expect(JSON.parse((await runCli(["settings", "show", "--json"], env)).stdout)).toEqual({ coolingOffDays: 90 });
  });
});
