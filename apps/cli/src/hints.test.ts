import { describe, expect, it } from "vitest";
import { run } from "./cli.js";
import { commandPrefix, formatHints, hint } from "./hints.js";
import type { Io } from "./output.js";

const checkout = { npm_lifecycle_event: "offerlab", npm_package_name: "offerlab-monorepo" };

describe("hints say how to run a command here", () => {
  it("is `pnpm offerlab` through the repository's scripts, `offerlab` otherwise (installed, npx, a package's test)", () => {
    expect(commandPrefix(checkout)).toBe("pnpm offerlab");
    expect(commandPrefix({ npm_lifecycle_event: "demo", npm_package_name: "offerlab-monorepo" })).toBe("pnpm offerlab");
    expect(commandPrefix({})).toBe("offerlab");
    expect(commandPrefix({ npm_lifecycle_event: "test", npm_package_name: "offerlab" })).toBe("offerlab");
    expect(commandPrefix({ npm_lifecycle_event: "offerlab", npm_package_name: "my-app" })).toBe("offerlab");
    expect(hint("db migrate", checkout)).toBe("pnpm offerlab db migrate");
    expect(hint("db migrate", {})).toBe("offerlab db migrate");
  });

  it("rewrites every `offerlab <command>` once, and nothing else", () => {
    const text =
      "run `offerlab db migrate`, then offerlab offers list --json; see @offerlab/db, apps/offerlab x, offerlab: failed, " +
      "Everything offerlab did, npx offerlab demo, pnpm offerlab why x\n  offerlab campaigns create --file campaign.yaml";
    expect(formatHints(text, "pnpm offerlab")).toBe(
      "run `pnpm offerlab db migrate`, then pnpm offerlab offers list --json; see @offerlab/db, apps/offerlab x, offerlab: failed, " +
        "Everything offerlab did, npx offerlab demo, pnpm offerlab why x\n  pnpm offerlab campaigns create --file campaign.yaml",
    );
    expect(formatHints(text, "offerlab")).toBe(text);
  });

  it("applies to what the CLI prints: a command's hints and its help's examples", async () => {
    const capture = (env: Record<string, string>) => {
      const out = { stdout: "", stderr: "" };
      const io: Io = { stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t), env, cwd: process.cwd() };
      return { io, out };
    };
    const inCheckout = capture({ ...checkout });
    expect(await run(["node", "offerlab", "settings", "show", "--help"], inCheckout.io)).toBe(0);
    expect(inCheckout.out.stdout).toContain("pnpm offerlab settings show");
    const installed = capture({});
    expect(await run(["node", "offerlab", "settings", "show", "--help"], installed.io)).toBe(0);
    expect(installed.out.stdout).toContain("offerlab settings show");
    expect(installed.out.stdout).not.toContain("pnpm offerlab");
    // Errors go through the same writer.
    const bad = capture({ ...checkout, OFFERLAB_DATA_DIR: "memory://" });
    expect(await run(["node", "offerlab", "templates", "approve"], bad.io)).toBe(2);
    expect(bad.out.stderr).toContain("(ids or names from `pnpm offerlab templates list`)");
  });
});
