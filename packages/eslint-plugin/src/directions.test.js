import { ESLint } from "eslint";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { violation } from "./directions.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

async function lint(file, code) {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result.messages.filter((m) => m.ruleId === "@offerlab/import-directions").map((m) => m.message);
}

describe("import directions (docs/architecture.md)", () => {
  it("lets each layer import what the arrows allow", () => {
    expect(violation("packages/db/src/x.ts", "@offerlab/core")).toBeUndefined();
    expect(violation("packages/providers/exa/src/x.ts", "@offerlab/provider-kit")).toBeUndefined();
    expect(violation("packages/scheduler/src/x.ts", "@offerlab/copy")).toBeUndefined();
    expect(violation("apps/cli/src/x.ts", "@offerlab/db")).toBeUndefined();
    expect(violation("packages/sandbox/src/x.ts", "@offerlab/provider-unipile/msw")).toBeUndefined();
    expect(violation("packages/core/src/x.ts", "zod")).toBeUndefined();
    expect(violation("packages/scheduler/src/send.test.ts", "@offerlab/provider-unipile/msw")).toBeUndefined();
    expect(violation("packages/operations/src/x.ts", "@offerlab/scheduler")).toBeUndefined();
    expect(violation("packages/operations/src/x.ts", "@offerlab/pipeline")).toBeUndefined();
    expect(violation("apps/cli/src/x.ts", "@offerlab/operations")).toBeUndefined();
  });

  it("rejects imports against the arrows", () => {
    expect(violation("packages/core/src/x.ts", "@offerlab/db")).toMatch(/core may not import db/);
    expect(violation("packages/providers/exa/src/x.ts", "@offerlab/db")).toMatch(/provider may not import db/);
    expect(violation("packages/providers/exa/src/x.ts", "@offerlab/provider-leadmagic")).toMatch(/another provider/);
    expect(violation("packages/scheduler/src/x.ts", "@offerlab/provider-unipile")).toMatch(/scheduler may not import provider/);
    expect(violation("packages/providers/exa/src/x.test.ts", "@offerlab/provider-unipile")).toMatch(/another provider/);
    expect(violation("packages/db/src/x.ts", "offerlab")).toMatch(/never import apps/);
    expect(violation("packages/core/src/x.ts", "../../db/src/index.js")).toMatch(/another package/);
    // Operations sit above the packages and below the apps: only apps import them.
    expect(violation("packages/scheduler/src/x.ts", "@offerlab/operations")).toMatch(/scheduler may not import operations/);
    expect(violation("packages/pipeline/src/x.ts", "@offerlab/operations")).toMatch(/pipeline may not import operations/);
    expect(violation("packages/operations/src/x.ts", "@offerlab/provider-unipile")).toMatch(/operations may not import provider/);
    expect(violation("packages/operations/src/x.ts", "@offerlab/sandbox")).toMatch(/operations may not import sandbox/);
    expect(violation("packages/operations/src/x.ts", "offerlab")).toMatch(/never import apps/);
  });

  it("is wired into the repository's eslint config, so `pnpm lint` fails on a bad import", async () => {
    const bad = await lint("packages/providers/exa/src/bad.ts", 'import { createDb } from "@offerlab/db";\nexport const x = createDb;\n');
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatch(/provider may not import db/);
    const good = await lint("packages/providers/exa/src/good.ts", 'import { z } from "zod";\nexport const x = z;\n');
    expect(good).toEqual([]);
  });

  it("lets db, operations and apps import experiments, which imports only core", () => {
    expect(violation("packages/db/src/x.ts", "@offerlab/experiments")).toBeUndefined();
    expect(violation("packages/operations/src/x.ts", "@offerlab/experiments")).toBeUndefined();
    expect(violation("apps/cli/src/x.ts", "@offerlab/experiments")).toBeUndefined();
    expect(violation("packages/experiments/src/x.ts", "@offerlab/core")).toBeUndefined();
    expect(violation("packages/experiments/src/x.ts", "@offerlab/db")).toMatch(/experiments may not import db/);
    expect(violation("packages/scheduler/src/x.ts", "@offerlab/experiments")).toMatch(/scheduler may not import experiments/);
  });

  it("lets only apps import the logger, which imports nothing of ours", () => {
    expect(violation("apps/cron/src/x.ts", "@offerlab/logger")).toBeUndefined();
    expect(violation("apps/webhooks/src/x.ts", "@offerlab/logger")).toBeUndefined();
    expect(violation("packages/scheduler/src/x.ts", "@offerlab/logger")).toMatch(/scheduler may not import logger/);
    expect(violation("packages/logger/src/x.ts", "@offerlab/core")).toMatch(/logger may not import core/);
  });
});
