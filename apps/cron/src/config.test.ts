import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { CronConfigError, loadCronConfig } from "./config.js";

describe("loadCronConfig", () => {
  it("has a default for everything", () => {
    expect(loadCronConfig({})).toEqual({
      schedule: "* * * * *",
      withdrawInvitationsAfterDays: 21,
      inboxSyncLookbackHours: 6,
      creditAlertThreshold: 100,
      shutdownGraceSeconds: 45,
      runnerId: `${hostname()}:${process.pid}`,
      sendConcurrency: 4,
    });
  });

  it("accepts cron expressions with seconds and names a wrong one", () => {
    expect(loadCronConfig({ OFFERLAB_CRON_SCHEDULE: "*/30 * * * * *" }).schedule).toBe("*/30 * * * * *");
    expect(() => loadCronConfig({ OFFERLAB_CRON_SCHEDULE: "every minute" })).toThrow(CronConfigError);
    expect(() => loadCronConfig({ OFFERLAB_CRON_SCHEDULE: "61 * * * *" })).toThrow(
      /OFFERLAB_CRON_SCHEDULE is not a valid cron expression \("61 \* \* \* \*"\)/,
    );
  });

  it("reads and checks the numbers, naming the variable", () => {
    const c = loadCronConfig({
      OFFERLAB_WITHDRAW_INVITATIONS_AFTER_DAYS: "30",
      OFFERLAB_INBOX_SYNC_LOOKBACK_HOURS: "12",
      OFFERLAB_CREDIT_ALERT_THRESHOLD: "0",
      OFFERLAB_CRON_SHUTDOWN_GRACE_SECONDS: "90",
      OFFERLAB_RUNNER_ID: "railway-cron-1",
      OFFERLAB_SEND_CONCURRENCY: "16",
    });
    expect(c).toMatchObject({
      sendConcurrency: 16,
      withdrawInvitationsAfterDays: 30,
      inboxSyncLookbackHours: 12,
      creditAlertThreshold: 0,
      shutdownGraceSeconds: 90,
      runnerId: "railway-cron-1",
    });
    expect(() => loadCronConfig({ OFFERLAB_WITHDRAW_INVITATIONS_AFTER_DAYS: "0" })).toThrow(
      /OFFERLAB_WITHDRAW_INVITATIONS_AFTER_DAYS must be a whole number of days between 1 and 365, got "0"/,
    );
    expect(() => loadCronConfig({ OFFERLAB_INBOX_SYNC_LOOKBACK_HOURS: "1.5" })).toThrow(/OFFERLAB_INBOX_SYNC_LOOKBACK_HOURS/);
    expect(() => loadCronConfig({ OFFERLAB_CRON_SHUTDOWN_GRACE_SECONDS: "-1" })).toThrow(/OFFERLAB_CRON_SHUTDOWN_GRACE_SECONDS/);
    expect(loadCronConfig({}).sendConcurrency).toBe(4);
    expect(() => loadCronConfig({ OFFERLAB_SEND_CONCURRENCY: "0" })).toThrow(
      /OFFERLAB_SEND_CONCURRENCY must be a whole number of sends in flight between 1 and 256, got "0"/,
    );
  });
});
