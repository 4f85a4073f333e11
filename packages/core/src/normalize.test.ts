import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  companySizeBucket,
  isUuid,
  linkedInPublicId,
  normalizeDomain,
  normalizeEmail,
  normalizeLinkedInUrl,
  parseConnectionDegree,
  parseEmployeeRange,
} from "./normalize.js";

/** Strings that look like the inputs these functions meet: pieces of URLs, emails and names. */
const messy = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc
    .tuple(
      fc.constantFrom("", " ", "http://", "HTTPS://", "//", "mailto:", "<", '"Jane" <'),
      fc.constantFrom("", "www.", "WWW.", "uk.", "m.", "user:pw@", "Jane.Doe+x@"),
      fc.oneof(fc.stringMatching(/^[A-Za-z0-9À-ÿ-]{1,12}$/), fc.constant("LinkedIn")),
      fc.constantFrom(".com", ".CO.UK", ".de.", ".io", "", ".xn--p1ai", ".中国"),
      fc.constantFrom("", ":8080", "/", "/in/Jane-Doe/", "/company/Acme/", "/pub/x/a7/576/b50", "?utm_source=x", "#top", ">", ",", " "),
    )
    .map((parts) => parts.join("")),
);

function checkFixedPoint(fn: (s: string) => string | null) {
  fc.assert(
    fc.property(messy, (input) => {
      const once = fn(input);
      if (once === null) return;
      expect(fn(once)).toBe(once);
      expect(once).toBe(once.toLowerCase());
      expect(once).not.toMatch(/\s/u);
    }),
    { numRuns: 2000 },
  );
}

describe("normalizeDomain", () => {
  it.each([
    ["acme.com", "acme.com"],
    ["  Acme.COM  ", "acme.com"],
    ["www.acme.com", "acme.com"],
    ["WWW.Acme.com.", "acme.com"],
    ["www.www.acme.com", "acme.com"],
    ["https://www.acme.com/about?utm_source=linkedin&utm_medium=social#team", "acme.com"],
    ["http://user:secret@acme.com:8443/path", "acme.com"],
    ["HTTPS://Shop.Acme.co.uk/", "shop.acme.co.uk"],
    ["//acme.io/x", "acme.io"],
    ["acme.com/careers", "acme.com"],
    ["acme.com:8080", "acme.com"],
    ["acme.com?ref=producthunt", "acme.com"],
    ["(acme.com),", "acme.com"],
    ['"acme.com"', "acme.com"],
    ["jane@Acme.com", "acme.com"],
    ["mailto:jane@acme.com?subject=hi", "acme.com"],
    ['"Jane Doe" <Jane@WWW.Acme.com>', "acme.com"],
    ["www2.acme.com", "www2.acme.com"],
    ["ww.acme.com", "ww.acme.com"],
    ["www.com", "www.com"],
    ["Bücher.de", "xn--bcher-kva.de"],
    ["xn--bcher-kva.de", "xn--bcher-kva.de"],
    ["https://BÜCHER.de/katalog", "xn--bcher-kva.de"],
    ["acme。com", "acme.com"],
    ["ftp://files.acme.com", "files.acme.com"],
    ["https://acme.com\\evil", "acme.com"],
  ])("%j → %j", (input, expected) => {
    expect(normalizeDomain(input)).toBe(expected);
  });

  it.each([
    [null],
    [undefined],
    [""],
    ["   "],
    ["localhost"],
    ["acme"],
    ["Acme Inc"],
    ["acme .com"],
    ["acme..com"],
    [".com"],
    ["-acme.com"],
    ["acme_corp.com"],
    ["192.168.0.1"],
    ["http://[::1]/"],
    ["https://"],
    ["n/a"],
    ["acme.com\u200b.io"],
  ])("%j → null", (input) => {
    expect(normalizeDomain(input)).toBeNull();
  });

  it("is a fixed point and emits no uppercase or whitespace", () => checkFixedPoint(normalizeDomain));
});

describe("normalizeEmail", () => {
  it.each([
    ["jane@acme.com", "jane@acme.com"],
    ["  Jane.Doe@ACME.com ", "jane.doe@acme.com"],
    ['"Jane Doe" <Jane@X.com>', "jane@x.com"],
    ["Jane Doe <jane@x.com>", "jane@x.com"],
    ["<jane@x.com>", "jane@x.com"],
    ["mailto:Jane@X.com", "jane@x.com"],
    ["MAILTO:jane@x.com?subject=Hello%20there", "jane@x.com"],
    ["jane@x.com.", "jane@x.com"],
    ["jane@x.com,", "jane@x.com"],
    ["(jane@x.com)", "jane@x.com"],
    ["jane@www.acme.com", "jane@www.acme.com"],
    ["jane@bücher.de", "jane@xn--bcher-kva.de"],
    ["José@acme.com", "josé@acme.com"],
  ])("%j → %j", (input, expected) => {
    expect(normalizeEmail(input)).toBe(expected);
  });

  it("keeps Gmail dots and +tags: they are different mailboxes on most domains", () => {
    expect(normalizeEmail("J.Doe+CRM@Gmail.com")).toBe("j.doe+crm@gmail.com");
    expect(normalizeEmail("jdoe@gmail.com")).not.toBe(normalizeEmail("j.doe@gmail.com"));
  });

  it.each([
    [null],
    [undefined],
    [""],
    ["jane"],
    ["jane@"],
    ["@acme.com"],
    ["jane@acme"],
    ["jane@@acme.com"],
    ["jane@doe@acme.com"],
    ["jane doe@acme.com"],
    ["jane@ac me.com"],
    ["Jane Doe jane@acme.com"],
    ["jane@acme.com:25"],
    ["jane@192.168.0.1"],
    ["jane@acme.com/x"],
    ["n/a"],
  ])("%j → null", (input) => {
    expect(normalizeEmail(input)).toBeNull();
  });

  it("is a fixed point and emits no uppercase or whitespace", () => checkFixedPoint(normalizeEmail));
});

describe("normalizeLinkedInUrl", () => {
  const jane = "https://www.linkedin.com/in/jane-doe-12345";
  it.each([
    ["https://www.linkedin.com/in/jane-doe-12345", jane],
    ["linkedin.com/in/Jane-Doe-12345", jane],
    ["  http://LinkedIn.com/in/jane-doe-12345/  ", jane],
    ["//www.linkedin.com/in/jane-doe-12345", jane],
    ["https://uk.linkedin.com/in/jane-doe-12345", jane],
    ["https://m.linkedin.com/in/jane-doe-12345?trk=people-guest", jane],
    ["https://www.linkedin.com/in/jane-doe-12345/details/experience/", jane],
    ["https://www.linkedin.com/in/jane-doe-12345/de", jane],
    ["https://www.linkedin.com/in/jane-doe-12345?utm_source=share&utm_medium=member_desktop", jane],
    ["https://www.linkedin.com/in/jane-doe-12345#experience", jane],
    ["<https://www.linkedin.com/in/jane-doe-12345>,", jane],
    ["https://www.linkedin.com/in/jane%2Ddoe%2D12345", jane],
    ["https://www.linkedin.com.//in/jane-doe-12345", jane],
  ])("%j → canonical profile", (input, expected) => {
    expect(normalizeLinkedInUrl(input)).toBe(expected);
  });

  it("decodes, NFC-normalises and re-encodes non-ASCII public ids with lowercase escapes", () => {
    const composed = normalizeLinkedInUrl("https://www.linkedin.com/in/José-García");
    expect(composed).toBe("https://www.linkedin.com/in/jos%c3%a9-garc%c3%ada");
    expect(normalizeLinkedInUrl("https://www.linkedin.com/in/JOS%C3%89-garc%C3%ADa/")).toBe(composed);
    expect(normalizeLinkedInUrl("https://www.linkedin.com/in/jose\u0301-garci\u0301a")).toBe(composed);
    expect(normalizeLinkedInUrl("linkedin.com/in/%E5%BC%A0%E4%B8%89abc")).toBe("https://www.linkedin.com/in/%e5%bc%a0%e4%b8%89abc");
  });

  it("maps legacy /pub/ URLs onto LinkedIn's redirect target", () => {
    expect(normalizeLinkedInUrl("https://sy.linkedin.com/pub/krzysztof-marzec/a7/576/b50?trk=biz_employee_pub")).toBe(
      "https://www.linkedin.com/in/krzysztof-marzec-b50576a7",
    );
    expect(normalizeLinkedInUrl("https://uk.linkedin.com/pub/abdi-ahmed/100/384/6b0")).toBe(
      "https://www.linkedin.com/in/abdi-ahmed-6b0384100",
    );
    expect(normalizeLinkedInUrl("https://www.linkedin.com/pub/jane-doe/1/23/4")).toBe("https://www.linkedin.com/in/jane-doe-0040231");
    expect(normalizeLinkedInUrl("https://www.linkedin.com/pub/dir/jane/doe")).toBeNull();
  });

  it.each([
    ["https://www.linkedin.com/company/Acme-Inc/", "https://www.linkedin.com/company/acme-inc"],
    ["linkedin.com/company/acme-inc/about/?viewAsMember=true", "https://www.linkedin.com/company/acme-inc"],
    ["https://de.linkedin.com/company/1035", "https://www.linkedin.com/company/1035"],
  ])("%j → canonical company page", (input, expected) => {
    expect(normalizeLinkedInUrl(input)).toBe(expected);
  });

  it.each([
    [null],
    [undefined],
    [""],
    ["   "],
    ["jane-doe"],
    ["https://www.linkedin.com/sales/lead/ACwAAA1234567890abcdefghijklmnop,NAME_SEARCH,xyz"],
    ["https://www.linkedin.com/sales/people/ACwAAA1234567890abcdefghijklmnop"],
    ["https://www.linkedin.com/in/ACoAAB1234567890abcdefghijklmnopqrstu"],
    ["https://www.linkedin.com/in/"],
    ["https://www.linkedin.com/in/jane doe"],
    ["https://www.linkedin.com/in/jo"],
    ["https://www.linkedin.com/feed/"],
    ["https://www.linkedin.com/posts/jane-doe_activity-123"],
    ["https://www.linkedin.com/school/stanford-university/"],
    ["https://www.linkedin.com/showcase/acme-labs/"],
    ["https://linkedin.com.evil.com/in/jane-doe"],
    ["https://notlinkedin.com/in/jane-doe"],
    ["https://twitter.com/in/jane-doe"],
    ["ftp://www.linkedin.com/in/jane-doe"],
    ["https://www.linkedin.com/in/%E0%A4%A"],
  ])("%j → null", (input) => {
    expect(normalizeLinkedInUrl(input)).toBeNull();
  });

  it("is a fixed point and emits no uppercase or whitespace", () => checkFixedPoint(normalizeLinkedInUrl));

  it("is a fixed point over generated profile URLs", () => {
    const profile = fc
      .tuple(
        fc.constantFrom("", "https://", "http://", "//"),
        fc.constantFrom("", "www.", "uk.", "M."),
        fc.stringMatching(/^[A-Za-z0-9À-ÖØ-öø-ÿ_-]{3,30}$/),
        fc.constantFrom("", "/", "/details/skills/", "?trk=x", "#a"),
      )
      .map(([scheme, sub, id, tail]) => `${scheme}${sub}linkedin.com/in/${encodeURIComponent(id)}${tail}`);
    fc.assert(
      fc.property(profile, (input) => {
        const once = normalizeLinkedInUrl(input);
        expect(once).not.toBeNull();
        expect(normalizeLinkedInUrl(once)).toBe(once);
        expect(once).toBe(once?.toLowerCase());
      }),
    );
  });
});

describe("linkedInPublicId", () => {
  it.each([
    ["https://uk.linkedin.com/in/Jane-Doe-12345/?trk=x", "jane-doe-12345"],
    ["Jane-Doe-12345", "jane-doe-12345"],
    ["  jane_doe  ", "jane_doe"],
    ["José-García", "jos%c3%a9-garc%c3%ada"],
    ["jos%c3%a9-garc%c3%ada", "jos%c3%a9-garc%c3%ada"],
    ["https://www.linkedin.com/pub/krzysztof-marzec/a7/576/b50", "krzysztof-marzec-b50576a7"],
  ])("%j → %j", (input, expected) => {
    expect(linkedInPublicId(input)).toBe(expected);
  });

  it.each([
    [null],
    [undefined],
    [""],
    ["jane doe"],
    ["jo"],
    ["acme.com"],
    ["jane@acme.com"],
    ["https://www.linkedin.com/company/acme"],
    ["https://www.linkedin.com/sales/lead/ACwAAA123,NAME_SEARCH"],
    ["ACoAAB1234567890abcdefghijklmnopqrstu"],
  ])("%j → null", (input) => {
    expect(linkedInPublicId(input)).toBeNull();
  });

  it("agrees with normalizeLinkedInUrl", () => {
    const url = "HTTPS://de.linkedin.com/in/Max-Müller/";
    expect(`https://www.linkedin.com/in/${linkedInPublicId(url)}`).toBe(normalizeLinkedInUrl(url));
  });

  it("is a fixed point and emits no uppercase or whitespace", () => checkFixedPoint(linkedInPublicId));
});

describe("companySizeBucket", () => {
  it.each([
    [1, "1-10"],
    [10, "1-10"],
    [10.5, "11-50"],
    [11, "11-50"],
    [50, "11-50"],
    [51, "51-200"],
    [200, "51-200"],
    [201, "201-500"],
    [500, "201-500"],
    [501, "501-1000"],
    [1000, "501-1000"],
    [1001, "1000+"],
    [250_000, "1000+"],
  ] as const)("%d → %s", (employees, bucket) => {
    expect(companySizeBucket(employees)).toBe(bucket);
  });

  it.each([[null], [undefined], [0], [-5], [Number.NaN], [Number.POSITIVE_INFINITY]])("%s → null", (employees) => {
    expect(companySizeBucket(employees)).toBeNull();
  });

  it("is monotonic", () => {
    const order = ["1-10", "11-50", "51-200", "201-500", "501-1000", "1000+"];
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 0, max: 1_000_000 }), (a, d) => {
        const low = order.indexOf(companySizeBucket(a) ?? "");
        const high = order.indexOf(companySizeBucket(a + d) ?? "");
        expect(low).toBeGreaterThanOrEqual(0);
        expect(high).toBeGreaterThanOrEqual(low);
      }),
    );
  });
});

describe("parseEmployeeRange", () => {
  it.each([
    ["51-200", { min: 51, max: 200 }],
    [" 51 - 200 employees ", { min: 51, max: 200 }],
    ["51–200", { min: 51, max: 200 }],
    ["1,001-5,000", { min: 1001, max: 5000 }],
    ["1.001-5.000", { min: 1001, max: 5000 }],
    ["201 to 500", { min: 201, max: 500 }],
    ["10000+", { min: 10000, max: null }],
    ["10,001+ employees", { min: 10001, max: null }],
    ["10 000+", { min: 10000, max: null }],
    ["1K-5K", { min: 1000, max: 5000 }],
    ["1.5k", { min: 1500, max: 1500 }],
    ["250", { min: 250, max: 250 }],
    ["Self-employed", { min: 1, max: 1 }],
    ["Myself Only", { min: 1, max: 1 }],
  ])("%j → %j", (text, expected) => {
    expect(parseEmployeeRange(text)).toEqual(expected);
  });

  it.each([[""], ["   "], ["unknown"], ["200-51"], ["-5"], ["51-"], ["about fifty"], ["1.5"]])("%j → null", (text) => {
    expect(parseEmployeeRange(text)).toBeNull();
  });

  it("buckets standard LinkedIn ranges by their minimum", () => {
    const ranges: Array<[string, string]> = [
      ["1-10", "1-10"],
      ["11-50", "11-50"],
      ["51-200", "51-200"],
      ["201-500", "201-500"],
      ["501-1,000", "501-1000"],
      ["1,001-5,000", "1000+"],
      ["10,001+", "1000+"],
    ];
    for (const [text, bucket] of ranges) {
      expect(companySizeBucket(parseEmployeeRange(text)?.min)).toBe(bucket);
    }
  });

  it("round-trips any formatted range", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000_000 }), (a, d) => {
        const fmt = (n: number) => n.toLocaleString("en-US");
        expect(parseEmployeeRange(`${fmt(a)}-${fmt(a + d)}`)).toEqual({ min: a, max: a + d });
        expect(parseEmployeeRange(`${fmt(a)}+`)).toEqual({ min: a, max: null });
      }),
    );
  });
});

describe("parseConnectionDegree", () => {
  it("reads the ways people and LinkedIn write a degree", () => {
    for (const [raw, degree] of [
      ["1", 1],
      [2, 2],
      [" 3 ", 3],
      ["1st", 1],
      ["2ND", 2],
      ["3rd degree", 3],
      ["second", 2],
      ["FIRST_DEGREE", 1],
      ["THIRD_DEGREE", 3],
      ["DISTANCE_2", 2],
    ] as const)
      expect(parseConnectionDegree(raw)).toBe(degree);
  });

  it("is null for anything it is not sure of", () => {
    for (const raw of ["", "0", "4", "3rd+", "OUT_OF_NETWORK", "out of network", "1.5", "first-ish"])
      expect(parseConnectionDegree(raw)).toBeNull();
  });
});

describe("isUuid", () => {
  it("tells a row id (either case) from a slug, a name or a near-miss", () => {
    expect(isUuid("0b5e2b1c-4f3a-4c1d-9e8f-123456789abc")).toBe(true);
    expect(isUuid("0B5E2B1C-4F3A-4C1D-9E8F-123456789ABC")).toBe(true);
    expect(isUuid("autumn-ops")).toBe(false);
    expect(isUuid("0b5e2b1c-4f3a-4c1d-9e8f-123456789abcd")).toBe(false);
    expect(isUuid(" 0b5e2b1c-4f3a-4c1d-9e8f-123456789abc")).toBe(false);
  });
});

describe("the shortcuts of the normalisers (results kept, canonical profile URLs)", () => {
  it("answer as the long way does, however often a value is asked", () => {
    const cases: [string, string | null][] = [
      ["https://www.linkedin.com/in/jane-doe", "https://www.linkedin.com/in/jane-doe"],
      ["https://www.linkedin.com/in/jane_doe-12/", "https://www.linkedin.com/in/jane_doe-12"],
      ["https://www.linkedin.com/in/ab", null],
      [`https://www.linkedin.com/in/${"a".repeat(100)}`, `https://www.linkedin.com/in/${"a".repeat(100)}`],
      [`https://www.linkedin.com/in/${"a".repeat(101)}`, null],
      ["https://www.linkedin.com/in/Jane-Doe", "https://www.linkedin.com/in/jane-doe"],
      ["https://www.linkedin.com/in/ACoAABcdEfGhIjKlMnOpQrStUvWxYz012345", null],
    ];
    for (let round = 0; round < 3; round++) for (const [input, out] of cases) expect(normalizeLinkedInUrl(input)).toBe(out);
    for (let round = 0; round < 3; round++) {
      expect(normalizeEmail("Jane@Acme.COM")).toBe("jane@acme.com");
      expect(normalizeEmail("jane@acme.com")).toBe("jane@acme.com");
      expect(normalizeEmail("bob@ACME.com.")).toBe("bob@acme.com");
      expect(normalizeEmail("x@localhost")).toBeNull();
      expect(normalizeDomain("https://www.Acme.com/about")).toBe("acme.com");
      expect(normalizeDomain("acme.com")).toBe("acme.com");
    }
  });
});
