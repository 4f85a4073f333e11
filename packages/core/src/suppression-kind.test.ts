import { describe, expect, it } from "vitest";
import { inferSuppressionKind } from "./normalize.js";

describe("inferSuppressionKind", () => {
  it("names LinkedIn URLs, emails and domains", () => {
    expect(inferSuppressionKind("https://www.linkedin.com/in/jane-doe")).toBe("linkedin");
    expect(inferSuppressionKind("linkedin.com/in/jane-doe/")).toBe("linkedin");
    expect(inferSuppressionKind("Jane@Acme.com")).toBe("email");
    expect(inferSuppressionKind("mailto:jane@acme.com")).toBe("email");
    expect(inferSuppressionKind("acme.com")).toBe("domain");
    expect(inferSuppressionKind("https://www.acme.com/about")).toBe("domain");
    // A URL with credentials is still a website, not an email.
    expect(inferSuppressionKind("https://user@acme.com/")).toBe("domain");
    expect(inferSuppressionKind("notlinkedin.com")).toBe("domain");
  });
});
