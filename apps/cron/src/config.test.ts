import { describe, expect, it } from "vitest";
import { CronConfigError, loadCronConfig } from "./config.js";

describe("loadCronConfig", () => {
  it("defaults to a tick every minute and withdrawing invitations after 21 days", () => {
    expect(loadCronConfig({})).toEqual({ schedule: "* * * * *", withdrawInvitationsAfterDays: 21 });
  });

  it("accepts cron expressions with seconds and names a wrong one", () => {
    expect(loadCronConfig({ OFFERLAB_CRON_SCHEDULE: "*/30 * * * * *" }).schedule).toBe("*/30 * * * * *");
    expect(() => loadCronConfig({ OFFERLAB_CRON_SCHEDULE: "every minute" })).toThrow(CronConfigError);
    expect(() => loadCronConfig({ OFFERLAB_CRON_SCHEDULE: "61 * * * *" })).toThrow(/OFFERLAB_CRON_SCHEDULE is not a valid cron expression \("61 \* \* \* \*"\)/);
  });

  it("checks the invitation age", () => {
    expect(loadCronConfig({ OFFERLAB_WITHDRAW_INVITATIONS_AFTER_DAYS: "30" }).withdrawInvitationsAfterDays).toBe(30);
    expect(() => loadCronConfig({ OFFERLAB_WITHDRAW_INVITATIONS_AFTER_DAYS: "0" })).toThrow(/between 1 and 365, got "0"/);
  });
});
