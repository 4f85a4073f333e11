import { describe, expect, it } from "vitest";
import { createFaultSwitch, matchRequestPrefix } from "./testing-faults.js";
import type { FaultOptions } from "./testing-faults.js";

type Fault = "timeout" | "server_error" | "rate_limited";

describe("createFaultSwitch (replace mode, the default)", () => {
  it("answers null until a fault is armed, then the fault on every request until cleared", () => {
    const faults = createFaultSwitch<Fault>();
    expect(faults.take()).toBeNull();
    faults.fail("server_error");
    for (let i = 0; i < 5; i++) expect(faults.take()?.fault).toBe("server_error");
    faults.clearFaults();
    expect(faults.take()).toBeNull();
    expect(faults.armed).toBe(0);
  });

  it("fails exactly the next `times` requests, then lets requests through", () => {
    const faults = createFaultSwitch<Fault>();
    faults.fail("rate_limited", { times: 2 });
    expect([faults.take(), faults.take(), faults.take()].map((a) => a?.fault ?? null)).toEqual(["rate_limited", "rate_limited", null]);
    expect(faults.armed).toBe(0);
  });

  it("keeps one fault at a time: a second fail replaces the first", () => {
    const faults = createFaultSwitch<Fault>();
    faults.fail("server_error");
    faults.fail("timeout", { times: 1 });
    expect(faults.take()?.fault).toBe("timeout");
    expect(faults.take()).toBeNull();
  });

  it("hands the options the fault was armed with to the handler", () => {
    const faults = createFaultSwitch<Fault, FaultOptions & { retryAfterSeconds?: number }>();
    faults.fail("rate_limited", { times: 1, retryAfterSeconds: 7 });
    expect(faults.take()).toEqual({ fault: "rate_limited", options: { times: 1, retryAfterSeconds: 7 } });
  });

  it("never fails a request for a fault armed with times 0", () => {
    const faults = createFaultSwitch<Fault>();
    faults.fail("timeout", { times: 0 });
    expect(faults.take()).toBeNull();
  });
});

describe("createFaultSwitch (stack mode, with matching)", () => {
  const stacked = () => createFaultSwitch<Fault, FaultOptions & { match?: string }>({ mode: "stack", matches: matchRequestPrefix });

  it("keeps every armed fault and gives a request the first that matches it", () => {
    const faults = stacked();
    faults.fail("timeout", { times: 1, match: "POST /users/invite" });
    faults.fail("server_error", { match: "GET /emails" });
    expect(faults.take("GET /chats")).toBeNull();
    expect(faults.take("GET /emails?account_id=a")?.fault).toBe("server_error");
    expect(faults.take("POST /users/invite")?.fault).toBe("timeout");
    expect(faults.take("POST /users/invite")).toBeNull();
    expect(faults.take("GET /emails")?.fault).toBe("server_error");
    expect(faults.armed).toBe(1);
  });

  it("uses up a fault's times only on the requests it matches", () => {
    const faults = stacked();
    faults.fail("rate_limited", { times: 1, match: "POST /chats" });
    expect(faults.take("GET /accounts")).toBeNull();
    expect(faults.take("GET /accounts")).toBeNull();
    expect(faults.take("POST /chats/abc/messages")?.fault).toBe("rate_limited");
    expect(faults.take("POST /chats")).toBeNull();
  });

  it("applies a fault without match to every request, in arming order", () => {
    const faults = stacked();
    faults.fail("server_error", { times: 1 });
    faults.fail("timeout", { times: 1 });
    expect([faults.take("GET /a")?.fault, faults.take("GET /b")?.fault, faults.take("GET /c")]).toEqual(["server_error", "timeout", null]);
  });
});

describe("matchRequestPrefix", () => {
  it("matches by prefix, everything without match, and nothing without a key when a match is set", () => {
    expect(matchRequestPrefix({ match: "POST /chats" }, "POST /chats/1/messages")).toBe(true);
    expect(matchRequestPrefix({ match: "POST /chats" }, "GET /chats")).toBe(false);
    expect(matchRequestPrefix({}, undefined)).toBe(true);
    expect(matchRequestPrefix({ match: "GET /x" }, undefined)).toBe(false);
  });
});
