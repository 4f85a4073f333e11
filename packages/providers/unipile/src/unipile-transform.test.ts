import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AccountSchema, UserProfileSchema } from "./unipile-api.js";
import { mapUnipileError, UNIPILE_DEFAULT_RATE_LIMIT_COOLDOWN_MS, UNIPILE_LIMIT_EXCEEDED_COOLDOWN_MS } from "./unipile-error.js";
import {
  accountStatusFromSources,
  isSupportedAccountType,
  profileIdentifier,
  toLinkedInProfile,
  toSendingAccount,
} from "./unipile-transform.js";

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./__fixtures__/unipile-${name}.json`, import.meta.url), "utf8"));

describe("transforms", () => {
  it("maps accounts and their health onto our status vocabulary", () => {
    const { items } = z.object({ items: z.array(AccountSchema) }).parse(fixture("account-list"));
    const supported = items.filter((a) => isSupportedAccountType(a.type)).map(toSendingAccount);
    expect(supported).toEqual([
      {
        id: "kzAxdybMQ7ipVxK1U6kwZw",
        type: "linkedin",
        name: "Jane Sender",
        status: "active",
        vendorStatus: ["OK"],
        emailAddress: null,
        linkedinProviderId: "ACoAAAjaneSenderSelf00001",
        features: ["premium", "sales_navigator"],
        provider: "linkedin",
        createdAt: "2025-01-10T09:00:00.000Z",
      },
      {
        id: "GxwlUMaZTHefegva16XcWw",
        type: "email",
        name: "jane@offerlab-demo.com",
        status: "disconnected",
        vendorStatus: ["CREDENTIALS"],
        emailAddress: "jane@offerlab-demo.com",
        linkedinProviderId: null,
        features: [],
        provider: "gmail",
        createdAt: "2025-01-11T09:00:00.000Z",
      },
    ]);
    expect(accountStatusFromSources([])).toBe("disconnected");
    expect(accountStatusFromSources(["OK", "CONNECTING"])).toBe("disconnected");
  });

  it("maps a profile: degree, canonical URL, pending invitation", () => {
    const profile = toLinkedInProfile(UserProfileSchema.parse(fixture("user-profile-second-degree")));
    expect(profile).toEqual({
      providerId: "ACoAAAEkwwAB9KEc2TrQgOLE",
      publicId: "jane-doe",
      linkedinUrl: "https://www.linkedin.com/in/jane-doe",
      firstName: "Jane",
      lastName: "Doe",
      headline: "VP Sales at Acme",
      connectionDegree: 2,
      isConnection: false,
      pendingInvitation: "sent",
      canSendInMail: true,
      isOpenProfile: false,
    });
    expect(
      toLinkedInProfile({ provider_id: "ACoX", network_distance: "OUT_OF_NETWORK", invitation: { type: "SENT", status: "WITHDRAWN" } }),
    ).toMatchObject({
      connectionDegree: null,
      pendingInvitation: null,
    });
  });

  it("fails closed on a network distance it does not know: no degree rather than a guess", () => {
    const degree = (network_distance: string | null | undefined) =>
      toLinkedInProfile({ provider_id: "ACoX", ...(network_distance !== undefined ? { network_distance } : {}) }).connectionDegree;
    expect([degree("FIRST_DEGREE"), degree("SECOND_DEGREE"), degree("THIRD_DEGREE")]).toEqual([1, 2, 3]);
    for (const unknown of ["OUT_OF_NETWORK", "FOURTH_DEGREE", "second_degree", "", null, undefined]) expect(degree(unknown)).toBeNull();
  });

  it("turns profile inputs into the identifier Unipile takes", () => {
    expect(profileIdentifier("https://www.linkedin.com/in/Jane-Doe/?trk=x")).toBe("jane-doe");
    expect(profileIdentifier("linkedin.com/in/jane-doe")).toBe("jane-doe");
    expect(profileIdentifier("jane-doe")).toBe("jane-doe");
    expect(profileIdentifier("ACoAAAEkwwAB9KEc2TrQgOLE")).toBe("ACoAAAEkwwAB9KEc2TrQgOLE");
    expect(profileIdentifier("https://www.linkedin.com/in/ACoAAAEkwwAB9KEc2TrQgOLE")).toBe("ACoAAAEkwwAB9KEc2TrQgOLE");
    expect(profileIdentifier("https://example.com/jane")).toBeNull();
  });
});

describe("mapUnipileError", () => {
  const ctx = (status: number, body: unknown, retryAfterMs?: number) => ({
    provider: "unipile",
    method: "POST" as const,
    path: "/users/invite",
    status,
    headers: new Headers(),
    body,
    rawBody: JSON.stringify(body),
    safe: false,
    retryAfterMs,
  });

  it("keeps LinkedIn refusals precise", () => {
    expect(mapUnipileError(ctx(422, fixture("error-already-invited")))).toMatchObject({
      kind: "invalid",
      vendorCode: "errors/already_invited_recently",
      reason: "already_invited_recently",
      status: 422,
    });
    expect(mapUnipileError(ctx(422, fixture("error-no-connection")))).toMatchObject({
      kind: "invalid",
      reason: "no_connection_with_recipient",
    });
    expect(mapUnipileError(ctx(422, { status: 422, type: "errors/cannot_invite_attendee", title: "x" }))).toMatchObject({
      kind: "invalid",
      reason: "cannot_invite_attendee",
    });
    expect(mapUnipileError(ctx(400, { status: 400, type: "errors/too_many_characters", title: "x" }))).toMatchObject({
      kind: "invalid",
      reason: "too_many_characters",
    });
  });

  it("maps limits and 429 to rate_limited with a cooldown", () => {
    expect(mapUnipileError(ctx(422, fixture("error-limit-exceeded")))).toMatchObject({
      kind: "rate_limited",
      retryAfterMs: UNIPILE_LIMIT_EXCEEDED_COOLDOWN_MS,
    });
    expect(mapUnipileError(ctx(429, { status: 429, type: "errors/too_many_requests", title: "x" }))).toMatchObject({
      kind: "rate_limited",
      retryAfterMs: UNIPILE_DEFAULT_RATE_LIMIT_COOLDOWN_MS,
    });
    expect(mapUnipileError(ctx(429, {}, 5000))).toMatchObject({ kind: "rate_limited", retryAfterMs: 5000 });
  });

  it("maps account trouble, credits, not found and server errors", () => {
    expect(mapUnipileError(ctx(401, fixture("error-disconnected")))).toMatchObject({ kind: "auth", reason: "disconnected_account" });
    expect(mapUnipileError(ctx(403, { status: 403, type: "errors/account_restricted", title: "x" }))).toMatchObject({ kind: "auth" });
    expect(mapUnipileError(ctx(403, { status: 403, type: "errors/feature_not_subscribed", title: "x" }))).toMatchObject({
      kind: "invalid",
    });
    expect(mapUnipileError(ctx(422, { status: 422, type: "errors/insufficient_credits", title: "x" }))).toMatchObject({ kind: "credits" });
    expect(mapUnipileError(ctx(404, { status: 404, type: "errors/resource_not_found", title: "x" }))).toMatchObject({ kind: "not_found" });
    expect(mapUnipileError(ctx(500, { status: 500, type: "errors/provider_error", title: "x" }))).toMatchObject({ kind: "transient" });
    expect(mapUnipileError(ctx(503, "<html>bad gateway</html>"))).toMatchObject({ kind: "transient", reason: "http_503" });
  });
});
