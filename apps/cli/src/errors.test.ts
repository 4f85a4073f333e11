/**
 * Every error a person can meet is an OfferlabError with a code of the one catalogue, and the CLI
 * ends a command with its code's exit code. This file checks every class of every package against
 * the catalogue, and that no other error class appears unnoticed.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { GenerationError, generationErrorCodes, type GenerationErrorKind } from "@offerlab/copy";
import {
  errorCodeOf,
  errorCodes,
  exitCodeOf,
  httpStatusOf,
  isErrorCode,
  OFFERLAB_ERROR,
  OfferlabError,
  ValidationError,
} from "@offerlab/core";
import { CronConfigError } from "@offerlab/cron";
import { DataModeMismatchError, EmbeddedDatabaseBusyError, NotFoundError, PendingMigrationsError } from "@offerlab/db";
import { ImportRejectedError, PipelineInputError, PipelineRunFailed, type ImportSummary } from "@offerlab/pipeline";
import { ProviderError, providerErrorKinds } from "@offerlab/provider-kit";
import { SendWindowError } from "@offerlab/scheduler";
import { ConfigError } from "@offerlab/webhooks";
import { describe, expect, it } from "vitest";
import { run } from "./cli.js";
import { DuplicateHeaderError } from "./csv.js";
import { CliError, EXIT, type Io } from "./output.js";

const holder = { pid: 1, host: "elsewhere", command: "offerlab serve", since: "2026-01-01T00:00:00.000Z", token: "t" };
const summary = { kind: "companies", rows: 3, invalid: 1, errors: [], errorCount: 1 } as unknown as ImportSummary;

/** One of every error class a person can meet, with the exit code the CLI has always given it. */
const everyError: [OfferlabError, number][] = [
  [new ValidationError("offer", [{ field: "name", message: "is required" }]), 2],
  [new NotFoundError("offer", "x"), 2],
  [new NotFoundError("offer", "x", ["a", "b"]), 2],
  [new PendingMigrationsError("PostgreSQL at db", []), 1],
  [new DataModeMismatchError("the embedded database", "live", "sandbox"), 2],
  [new EmbeddedDatabaseBusyError("/tmp/x", holder), 1],
  [new PipelineInputError("offer x does not exist"), 2],
  [new PipelineRunFailed("00000000-0000-4000-8000-000000000001", "discover_companies", new Error("gone")), 1],
  [new ImportRejectedError(summary), 2],
  [new SendWindowError("send window has no send days"), 2],
  [new DuplicateHeaderError(new Map([["email", [1, 2]]])), 2],
  [new CronConfigError("OFFERLAB_CRON_SCHEDULE is not a valid cron expression"), 2],
  [new ConfigError("OFFERLAB_WEBHOOK_SECRET is missing"), 2],
  [new CliError("bad flag", EXIT.usage), 2],
  [new CliError("it broke"), 1],
  ...providerErrorKinds.map((kind): [OfferlabError, number] => [new ProviderError({ kind, provider: "acme", message: "x" }), 1]),
  ...(Object.keys(generationErrorCodes) as GenerationErrorKind[]).map((kind): [OfferlabError, number] => [
    new GenerationError(kind, "x"),
    kind === "not_configured" ? 2 : 1,
  ]),
];

describe("every error a person can meet", () => {
  it("is an OfferlabError with a code of the catalogue, found by its class's isInstance", () => {
    for (const [error] of everyError) {
      expect(OfferlabError.isInstance(error), error.name).toBe(true);
      expect(isErrorCode(error.code), `${error.name}: ${error.code}`).toBe(true);
      expect(errorCodeOf(error)).toBe(error.code);
      expect(error.name, "each class names itself").not.toMatch(/^(Error|OfferlabError)$/);
      const cls = error.constructor as unknown as { isInstance(e: unknown): boolean };
      expect(cls.isInstance(error), error.name).toBe(true);
      // Another copy of the package: only the marker and the name are shared.
      expect(cls.isInstance(Object.assign(new Error("x"), { name: error.name, [OFFERLAB_ERROR]: true })), error.name).toBe(true);
      expect(cls.isInstance(Object.assign(new Error("x"), { name: error.name })), error.name).toBe(false);
    }
  });

  it("keeps the exit code the CLI has always given it, and has an HTTP status", () => {
    for (const [error, exit] of everyError) {
      expect(exitCodeOf(error), `${error.name} (${error.code})`).toBe(exit);
      expect(httpStatusOf(error), error.name).toBeGreaterThanOrEqual(400);
    }
  });

  it("CliError's exit code is its code's", () => {
    expect(new CliError("x", EXIT.usage)).toMatchObject({ code: "invalid_usage", exitCode: 2 });
    expect(new CliError("x")).toMatchObject({ code: "command_failed", exitCode: 1 });
    expect(new CliError("x", EXIT.failure)).toMatchObject({ code: "command_failed", exitCode: 1 });
  });
});

describe("run()", () => {
  function io(): Io & { err: () => string } {
    let err = "";
    return { stdout: () => undefined, stderr: (t) => void (err += t), env: {}, cwd: process.cwd(), err: () => err };
  }

  it("ends an offerlab error thrown by a command with its message and its code's exit code, no stack", async () => {
    // `journal normalize` reads a file only; a missing one is the CLI's own usage error.
    const x = io();
    expect(await run(["node", "offerlab", "journal", "normalize", path.join(process.cwd(), "no-such-journal.jsonl")], x)).toBe(2);
    expect(x.err()).toMatch(/^offerlab: /);
    expect(x.err()).not.toMatch(/unexpected error|\n\s+at /);
  });
});

describe("the catalogue's coverage of the source", () => {
  // Classes that never reach a person; each says why beside its definition.
  const internal = new Set(["AccountBusy", "RunnerCrash", "TimeoutMarker", "SyntaxFailure", "BudgetReached"]);
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

  function sources(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
      const full = path.join(dir, d.name);
      if (d.isDirectory()) return d.name === "node_modules" || d.name === "dist" || d.name === "__tests__" ? [] : sources(full);
      return /\.tsx?$/.test(d.name) && !/\.test\.tsx?$/.test(d.name) ? [full] : [];
    });
  }

  it("has no error class outside OfferlabError but the internal ones", () => {
    const plain: string[] = [];
    for (const file of [...sources(path.join(root, "packages")), ...sources(path.join(root, "apps"))]) {
      for (const m of fs.readFileSync(file, "utf8").matchAll(/class (\w+) extends (\w*Error)\b/g)) {
        if (m[2] === "Error" && m[1] !== "OfferlabError" && !internal.has(m[1]!)) plain.push(`${path.relative(root, file)}: ${m[1]}`);
      }
    }
    expect(plain).toEqual([]);
    expect(Object.keys(errorCodes).length).toBeGreaterThan(0);
  });

  it("throws no plain Error where a person meets it: the apps and the packages use catalogue codes", () => {
    // Each kept `throw new Error` never reaches a person as such; the reason is beside it.
    const kept = new Map<string, string>([
      // Invariants of the demo's own setup: a failure is a bug, and its stack is what helps.
      ["apps/cli/src/demo/run-demo.ts: the demo offer was not saved", "bug"],
      ["apps/cli/src/demo/run-demo.ts: the demo offer has no invitation note", "bug"],
      // Thrown to the sandbox's webhook delivery, which retries as Unipile and Cal.com do.
      ["apps/cli/src/demo/run-demo.ts: webhook answered ${res.status}", "retried"],
      ['apps/cli/src/demo/run-demo.ts: Cal.com webhook answered ${res.status}: ${body.error ?? ""}', "retried"],
      // Invariants of the libraries: the callers check first, so reaching one is a bug.
      ["packages/core/src/assert-never.ts: unhandled ${what}: ${JSON.stringify(value)}", "bug"],
      ["packages/db/src/pglite-pool.ts: @offerlab/db: streaming cursors are not supported on PGlite", "bug"],
      ["packages/db/src/migrate.ts: migrations out of order: ${migrations[i - 1]!.version} before ${migrations[i]!.version}", "bug"],
      ["packages/scheduler/src/engine/jitter.ts: unreachable: an opening is in its window", "bug"],
      ["packages/scheduler/src/engine/jitter.ts: no send time found for window ${w.timeZone} ${w.start}-${w.end}", "bug"],
      ["packages/scheduler/src/engine/capacity.ts: a warming ramp needs at least one week", "bug"],
      ["packages/scheduler/src/engine/capacity.ts: warming ramp fractions must be in (0, 1], got ${f}", "bug"],
      [
        "packages/scheduler/src/engine/sequence.ts: cannot record step ${step}: the contact is at step ${p.currentStep}, so the next one is ${p.currentStep + 1}",
        "bug",
      ],
      ["packages/scheduler/src/engine/enrolment.ts: selectForEnrolment: the campaign needs at least one step", "bug"],
      // Caught by the inbox job, which records it on the stored event and retries.
      ['packages/scheduler/src/runtime/events.ts: no decoder for provider "${row.provider}"', "retried"],
      // A contributor's mistake (a vendor without a simulated counterpart), caught by vendors.test.
      [
        'packages/sandbox/src/sandbox.ts: [sandbox] vendor "${descriptor.name}" has no simulated counterpart "${provider}": add its fake to @offerlab/sandbox (sandbox-vendors.ts; see docs/contributing/add-a-vendor.md)',
        "contributor",
      ],
      ["packages/sandbox/src/sandbox-random.ts: [sandbox] pick from an empty list", "bug"],
    ]);
    const found: string[] = [];
    const dirs = [
      ...fs.readdirSync(path.join(root, "apps")).map((a) => path.join(root, "apps", a, "src")),
      ...fs
        .readdirSync(path.join(root, "packages"))
        .filter((p) => p !== "providers")
        .map((p) => path.join(root, "packages", p, "src")),
      ...fs.readdirSync(path.join(root, "packages/providers")).map((p) => path.join(root, "packages/providers", p, "src")),
    ];
    for (const dir of dirs.filter((d) => fs.existsSync(d))) {
      // Test scaffolding (test-support folders, `testing*.ts` entry points, the vendors' msw fakes)
      // only ever meets a test.
      const scaffolding = (f: string) =>
        f.includes(`${path.sep}test-support${path.sep}`) || /^testing.*\.ts$|^msw\.ts$/.test(path.basename(f));
      for (const file of sources(dir).filter((f) => !scaffolding(f))) {
        for (const m of fs.readFileSync(file, "utf8").matchAll(/throw new Error\(\s*["'`](.*?)["'`]\s*[,)]/g))
          found.push(`${path.relative(root, file)}: ${m[1]}`);
        expect(fs.readFileSync(file, "utf8"), file).not.toMatch(/throw new Error\(\s*[^"'`\s]/);
      }
    }
    expect(found.filter((f) => !kept.has(f))).toEqual([]);
    expect(found.length).toBe(kept.size);
  });
});
