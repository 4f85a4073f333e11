import { describe, expect, it } from "vitest";
import { createLogger, prettyLine, REDACTED, scrubSecrets } from "../logger.js";
import { memoryLog } from "./world.js";

const secret = "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t-0000";

describe("logger", () => {
  it("redacts secrets wherever a caller attaches them: keys, one level down, headers, environments, connection strings", () => {
    const log = memoryLog();
    const logger = createLogger({ destination: log });
    logger.info(
      {
        secret,
        config: { secret, secretHeader: "x-offerlab-webhook-secret", port: 8787 },
        apiKey: secret,
        unipile: { apiKey: secret, baseUrl: "https://api1.unipile.com:13111/api/v1" },
        headers: { "x-offerlab-webhook-secret": secret, "content-type": "application/json" },
        env: { UNIPILE_API_KEY: secret, DATABASE_URL: `postgres://app:${secret}@db:5432/offerlab` },
        databaseUrl: `postgres://app:${secret}@db:5432/offerlab`,
        err: new Error(`connect failed for postgres://app:${secret}@db:5432/offerlab`),
      },
      "start",
    );
    const line = log.lines.join("");
    expect(line).not.toContain(secret);
    const o = log.parsed()[0]!;
    expect(o).toMatchObject({
      secret: REDACTED,
      apiKey: REDACTED,
      headers: REDACTED,
      env: REDACTED,
      databaseUrl: REDACTED,
      config: { secret: REDACTED, port: 8787 },
    });
    expect((o.unipile as Record<string, unknown>).baseUrl).toBe("https://api1.unipile.com:13111/api/v1");
    expect((o.err as { message: string }).message).toBe("connect failed for postgres://app:***@db:5432/offerlab");
  });

  it("scrubs passwords out of any text", () => {
    expect(scrubSecrets("postgresql://u:p%40ss@h/db and https://user:pw@example.com/x")).toBe(
      "postgresql://u:***@h/db and https://user:***@example.com/x",
    );
    expect(scrubSecrets("no credentials in postgres://h/db")).toBe("no credentials in postgres://h/db");
  });

  it("prints lines for humans with --pretty", () => {
    const log = memoryLog();
    createLogger({ destination: log, pretty: true, base: { app: "cron" } }).info({ sent: 3, deferred: { window_closed: 2 } }, "tick");
    expect(log.lines[0]).toMatch(/^\d\d:\d\d:\d\d INFO {2}\[cron\] tick {2}sent=3 deferred=\{"window_closed":2\}\n$/);
    expect(prettyLine("not json")).toBe("not json");
  });
});
