import { describe, expect, it } from "vitest";
import { createLogger, prettyLine, REDACTED, redactPaths, scrubSecrets } from "./logger.js";

function memoryLog() {
  const lines: string[] = [];
  return {
    lines,
    write: (line: string) => void lines.push(line),
    parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe("createLogger", () => {
  it("names the app on every line, or takes the caller's base fields instead, and never adds pid or hostname", () => {
    const log = memoryLog();
    createLogger({ destination: log, app: "cron" }).info("a");
    createLogger({ destination: log, app: "cron", base: { app: "webhooks", region: "eu" } }).info("b");
    createLogger({ destination: log }).info("c");
    const [a, b, c] = log.parsed();
    expect(a).toMatchObject({ app: "cron", msg: "a", level: 30 });
    expect(b).toMatchObject({ app: "webhooks", region: "eu", msg: "b" });
    expect(c).not.toHaveProperty("app");
    for (const o of [a, b, c]) expect(o).not.toHaveProperty("pid");
  });

  it("takes its level from the option, else OFFERLAB_LOG_LEVEL, else info", () => {
    const log = memoryLog();
    createLogger({ destination: log, env: {} }).debug("hidden");
    createLogger({ destination: log, env: { OFFERLAB_LOG_LEVEL: " debug " } }).debug("shown by env");
    createLogger({ destination: log, env: { OFFERLAB_LOG_LEVEL: "debug" }, level: "warn" }).info("hidden by option");
    expect(log.parsed().map((o) => o.msg)).toEqual(["shown by env"]);
  });

  it("redacts extra paths and keeps error codes while scrubbing their messages", () => {
    const log = memoryLog();
    const err = Object.assign(new Error("no route to postgres://u:pw@h/db"), { code: "ECONNREFUSED" });
    createLogger({ destination: log, redact: ["payload.cookie"] }).error({ payload: { cookie: "c", id: 1 }, err }, "x");
    const o = log.parsed()[0]!;
    expect(o.payload).toEqual({ cookie: REDACTED, id: 1 });
    expect(o.err).toMatchObject({ type: "Error", code: "ECONNREFUSED", message: "no route to postgres://u:***@h/db" });
    expect(String((o.err as { stack: string }).stack)).not.toContain("pw@");
  });
});

describe("helpers", () => {
  it("redactPaths covers each secret key at the top and one level down, headers and environments", () => {
    const paths = redactPaths(["x.y"]);
    expect(paths).toEqual(expect.arrayContaining(["apiKey", "*.apiKey", "headers", "*.headers", "env", "*.env", "x.y"]));
  });

  it("scrubSecrets hides only the password of a connection string", () => {
    expect(scrubSecrets("redis://:pw@h:6379 and postgres://u@h/db")).toBe("redis://:***@h:6379 and postgres://u@h/db");
  });

  it("prettyLine prints time, level, app, message and the other fields, and passes non-JSON through", () => {
    const line = JSON.stringify({
      level: 40,
      time: Date.UTC(2026, 0, 2, 3, 4, 5),
      pid: 1,
      hostname: "h",
      app: "webhooks",
      msg: "slow",
      ms: 12,
    });
    expect(prettyLine(line)).toBe("03:04:05 WARN  [webhooks] slow  ms=12\n");
    expect(prettyLine("plain")).toBe("plain");
  });
});
