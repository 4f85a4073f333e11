import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lintMessage, lintTemplate } from "./lint.js";
import { renderForSend, renderMessage } from "./message.js";
import type { MessageTemplate } from "./message.js";
import type { RenderData } from "./render.js";
import { renderTemplate, sanitizeValue } from "./render.js";
import { parseTemplate } from "./template.js";

const data: RenderData = {
  contact: { id: "c-1", first_name: "Ana", last_name: "Lima", title: "VP Sales", email: "ana@acme.io" },
  company: {
    name: "Acme",
    domain: "acme.io",
    signals: { hiring: { sales_reps: 4, bdrs: 0 }, tech_stack: ["salesforce", "hubspot"], funding: { stage: "series_a" } },
  },
  offer: { name: "AI Sales Coach" },
  sender: { first_name: "Sam" },
};

const render = (template: string, d: RenderData = data, seed = "t|c") => renderTemplate(template, d, { seed });

describe("renderTemplate", () => {
  it("fills contact, company, offer, signal and sender variables, nested paths included", () => {
    const out = render(
      "{{first_name}} at {{company.name}}: {{signals.hiring.sales_reps}} reps, {{signals.tech_stack}}, {{offer.name}}, {{sender.first_name}}, {{contact.title}}",
    );
    expect(out.text).toBe("Ana at Acme: 4 reps, salesforce, hubspot, AI Sales Coach, Sam, VP Sales");
    expect(out.issues).toEqual([]);
    expect(out.variables).toMatchObject({ first_name: "Ana", "signals.hiring.sales_reps": "4", "company.name": "Acme" });
  });

  it("renders 0 as a value, not as missing", () => {
    expect(render("{{signals.hiring.bdrs}} BDRs").text).toBe("0 BDRs");
  });

  it("uses fallbacks for missing and empty values", () => {
    const d: RenderData = { contact: { first_name: "   " }, company: {} };
    const out = render("Hi {{first_name|there}}, {{company.name|your team}} {{title|}}rocks", d);
    expect(out.text).toBe("Hi there, your team rocks");
    expect(out.issues).toEqual([]);
  });

  it("reports unresolved and empty variables without a fallback, and renders them as nothing", () => {
    const out = render("Hi {{first_name}} from {{company.industry}} and {{signals.hiring}}", {
      contact: { first_name: "" },
      company: { name: "Acme", signals: { hiring: { sales_reps: 1 } } },
    });
    expect(out.text).toBe("Hi from and");
    expect(out.issues.map((i) => [i.code, i.variable])).toEqual([
      ["empty_variable", "first_name"],
      ["unresolved_variable", "company.industry"],
      ["unresolved_variable", "signals.hiring"],
    ]);
    expect(out.issues[2]?.message).toContain("an object");
  });

  it("expands spintax deterministically per contact and template, nested options and variables included", () => {
    const template = "{Hi|Hello|Hey} {{first_name}}, {quick {question|note}|one thing}";
    const a = render(template, data, "tpl-1|c-1");
    expect(render(template, data, "tpl-1|c-1")).toEqual(a);
    expect(a.text).toMatch(/^(Hi|Hello|Hey) Ana, (quick (question|note)|one thing)$/);
    const texts = new Set(Array.from({ length: 40 }, (_, i) => render(template, data, `tpl-1|c-${i}`).text));
    expect(texts.size).toBeGreaterThan(3);
  });

  it("reports syntax errors with their position and renders nothing", () => {
    for (const [template, message] of [
      ["Hi {first_name}", /double braces `\{\{first_name\}\}`/],
      ["Hi {{first_name", /never closed/],
      ["Hi {a|b", /never closed/],
      ["Hi }", /closes nothing/],
      ["Hi {{first name}}", /not a variable/],
    ] as const) {
      const out = render(template);
      expect(out.text).toBe("");
      expect(out.issues[0]?.code).toBe("template_syntax");
      expect(out.issues[0]?.message).toMatch(message);
    }
    expect(parseTemplate("{{a|b}}").ok).toBe(true);
  });

  it("sanitises values: no braces, no newlines, folded whitespace", () => {
    expect(sanitizeValue("  {{evil}}\n{a|b}\u200B  Corp\t ")).toBe("evil a|b Corp");
    const out = render("Hi {{first_name}}", { contact: { first_name: "{{last_name}}\r\nX" } });
    expect(out.text).toBe("Hi last_name X");
  });
});

const approved: MessageTemplate = {
  id: "tpl-1",
  name: "connect v1",
  channel: "linkedin_connect",
  status: "approved",
  body: "{Hi|Hello} {{first_name|there}}, I work with sales leaders at {{company.name|SaaS teams}}. Open to connect?",
};

describe("renderMessage's default spintax seed", () => {
  it("comes from natural keys, not row ids: the same template and person read the same with other database ids", () => {
    const template: MessageTemplate = {
      channel: "email",
      name: "email 1",
      sequence_step: 1,
      subject: "{Quick|Short|One} {question|note|idea} for {{company.name}}",
      body: "{Hi|Hello|Hey|Good morning} {{first_name}}, {we|our team|I} {help|work with|support} {sales|revenue|GTM} teams {ramp|onboard|coach} {faster|sooner|better}.",
    };
    const runs = ["1", "2", "3", "4", "5"].map((n) =>
      renderMessage(
        { ...template, id: `00000000-0000-4000-8000-00000000000${n}` },
        { ...data, contact: { ...data.contact, id: `10000000-0000-4000-8000-00000000000${n}` } },
      ),
    );
    expect(new Set(runs.map((r) => `${r.subject}|${r.body}`)).size).toBe(1);
    expect(runs[0]!.seed).not.toContain("00000000-");
    // Another person (another natural key) gets another seed.
    const other = renderMessage(template, { ...data, contact: { ...data.contact, email: "bruno@acme.io" } });
    expect(other.seed).not.toBe(runs[0]!.seed);
  });
});

describe("renderForSend", () => {
  it("returns a message ready for the queue with personalization_used", () => {
    const result = renderForSend(approved, data);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.message).toMatchObject({
      channel: "linkedin_connect",
      action_type: "connection_request",
      subject: null,
      template_id: "tpl-1",
      personalization_used: { first_name: "Ana", "company.name": "Acme" },
    });
    expect(result.message.body).toMatch(/^(Hi|Hello) Ana, I work with sales leaders at Acme\. Open to connect\?$/);
  });

  it("refuses templates that are not approved", () => {
    for (const status of ["draft", "archived", undefined] as const) {
      const result = renderForSend({ ...approved, status }, data);
      expect(result).toMatchObject({ ok: false, code: "not_approved" });
      if (!result.ok) expect(result.reason).toContain("only approved templates are sent");
    }
  });

  it("refuses an unresolved variable with a reason the CLI can show", () => {
    const result = renderForSend({ ...approved, body: "Hi {{first_name}}, congrats on {{signals.funding.round}}" }, data);
    expect(result).toMatchObject({ ok: false, code: "lint_failed" });
    if (!result.ok) {
      expect(result.reason).toBe(
        'template "connect v1" did not render cleanly: body: {{signals.funding.round}} has no value for this contact and no fallback (write {{signals.funding.round|…}})',
      );
    }
  });

  it("refuses a LinkedIn note over 300 characters once rendered", () => {
    const longName = { ...data, company: { name: "A".repeat(250) } };
    const result = renderForSend(approved, longName);
    expect(result).toMatchObject({ ok: false, code: "lint_failed" });
    if (!result.ok) expect(result.errors[0]).toMatchObject({ code: "too_long", field: "body" });
  });

  it("refuses an empty body and a first email without subject, allows a threaded follow-up", () => {
    expect(renderForSend({ ...approved, body: "{{department|}}" }, data)).toMatchObject({ ok: false, code: "lint_failed" });
    const email: MessageTemplate = { channel: "email", status: "approved", sequence_step: 1, subject: "", body: "Hi {{first_name}}" };
    const first = renderForSend(email, data);
    expect(first.ok).toBe(false);
    if (!first.ok) expect(first.errors.map((e) => e.code)).toEqual(["missing_subject"]);
    const followUp = renderForSend({ ...email, sequence_step: 2 }, data);
    expect(followUp.ok && followUp.message.subject).toBe(null);
  });

  it("refuses an email subject over the limit and keeps warnings for links and spam words", () => {
    const email: MessageTemplate = {
      channel: "email",
      status: "approved",
      subject: "{{company.name}} " + "x".repeat(80),
      body: "Hi {{first_name}}",
    };
    const result = renderForSend(email, data);
    expect(!result.ok && result.errors.map((e) => [e.code, e.field])).toEqual([["too_long", "subject"]]);
    const warned = renderForSend({ ...email, subject: "Quick idea", body: "FREE guide at https://acme.io/x. Act now!!" }, data);
    expect(warned.ok).toBe(true);
    if (warned.ok) expect(warned.warnings.map((w) => w.code)).toEqual(["link", "spam_word", "shouting"]);
  });
});

describe("lint", () => {
  it("catches leftovers in hand-written text", () => {
    expect(lintMessage({ channel: "linkedin_dm", body: "Hi {{first_name}}" }).errors[0]?.code).toBe("leftover_placeholder");
    expect(lintMessage({ channel: "linkedin_dm", body: "Hi {Ana|Bob}" }).errors[0]?.code).toBe("leftover_placeholder");
    expect(lintMessage({ channel: "linkedin_dm", body: "Hi {first_name}" }).errors[0]?.code).toBe("leftover_placeholder");
    expect(lintMessage({ channel: "linkedin_dm", body: "Hi Ana" }).ok).toBe(true);
  });

  it("lints templates before approval: syntax, impossible length, unknown variables, first-email subject", () => {
    const lint = lintTemplate({ channel: "linkedin_connect", body: `{{frist_name}} ${"x".repeat(300)}` });
    // An unknown variable is an error: every send of the template would fail to render.
    expect(lint.errors.map((e) => [e.code, e.variable])).toEqual([
      ["too_long", undefined],
      ["unknown_variable", "frist_name"],
    ]);
    expect(lint.warnings).toEqual([]);
    expect(lintTemplate({ channel: "email", body: "Hi", sequence_step: 1 }).errors.map((e) => e.code)).toEqual(["missing_subject"]);
    expect(lintTemplate({ channel: "email", body: "{oops", subject: "S" }).errors.map((e) => e.code)).toEqual(["template_syntax"]);
    expect(lintTemplate({ channel: "linkedin_dm", body: "Hi {{signals.anything.deep|x}} {{sender.first_name}}" }).warnings).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties: for any contact data, rendering is deterministic, never leaves template syntax
// behind, and nothing over a channel's limit is ever cleared for sending.

const anyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom("{{first_name}}", "{a|b}", "}}{{", "{", "|", "\n\t", "", "   ", "{{x|y}}"),
  fc.string({ maxLength: 400 }),
);
const anyValue = fc.oneof(anyText, fc.integer(), fc.constant(null), fc.array(anyText, { maxLength: 3 }), fc.boolean());
const contactArb = fc.record(
  { id: fc.uuid(), first_name: anyValue, last_name: anyValue, title: anyValue, full_name: anyValue },
  { requiredKeys: ["id"] },
);
const companyArb = fc.record({
  name: anyValue,
  industry: anyValue,
  signals: fc.record({ hiring: fc.record({ sales_reps: fc.oneof(fc.nat(), anyText) }), tech_stack: fc.array(anyText, { maxLength: 3 }) }),
});

const templates: MessageTemplate[] = [
  approved,
  {
    ...approved,
    id: "tpl-2",
    body: "{Hi|Hey} {{first_name}} {{last_name|}}, {{company.name}} is hiring {{signals.hiring.sales_reps|reps}}.",
  },
  {
    id: "tpl-3",
    channel: "email",
    status: "approved",
    subject: "{Quick|Short} question, {{first_name|there}}",
    body: "{Hi|Hello} {{first_name|there}},\n{{company.name|Your team}} uses {{signals.tech_stack|a CRM}}. {A|B|{C|D}}\n{{title}}",
  },
  {
    id: "tpl-4",
    channel: "linkedin_inmail",
    status: "approved",
    subject: "{{company.industry|Sales}} ramp",
    body: "{{full_name|Hi}} — {x|y}",
  },
];

describe("rendering properties", () => {
  it("is deterministic for any contact data", () => {
    fc.assert(
      fc.property(contactArb, companyArb, fc.constantFrom(...templates), (contact, company, template) => {
        const d = { contact, company } as RenderData;
        expect(renderMessage(template, d)).toEqual(renderMessage(template, structuredClone(d)));
      }),
      { numRuns: 300 },
    );
  });

  it("never leaves `{{` or `{…|…}` in subject or body, for any contact data", () => {
    fc.assert(
      fc.property(contactArb, companyArb, fc.constantFrom(...templates), (contact, company, template) => {
        const message = renderMessage(template, { contact, company } as RenderData);
        for (const text of [message.body, message.subject ?? ""]) {
          expect(text).not.toContain("{{");
          expect(text).not.toMatch(/\{[^{}]*\|[^{}]*\}/);
          expect(text).not.toMatch(/[{}]/);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("clears nothing for sending that is empty, unresolved or over its channel's limits", () => {
    fc.assert(
      fc.property(contactArb, companyArb, fc.constantFrom(...templates), (contact, company, template) => {
        const result = renderForSend(template, { contact, company } as RenderData);
        if (!result.ok) return;
        const { body, subject, channel } = result.message;
        expect(body.trim()).not.toBe("");
        if (channel === "linkedin_connect") expect(body.length).toBeLessThanOrEqual(300);
        if (channel === "linkedin_inmail") expect(body.length).toBeLessThanOrEqual(1900);
        if (channel === "email") {
          expect(subject?.trim()).toBeTruthy();
          expect(subject?.length ?? 0).toBeLessThanOrEqual(78);
        }
        // Every variable without a fallback resolved to real text.
        for (const value of Object.values(result.message.personalization_used)) expect(value).not.toMatch(/[{}\n]/);
      }),
      { numRuns: 500 },
    );
  });

  it("picks spintax by template and contact only", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), (id, a, b) => {
        const one = renderMessage(templates[1] as MessageTemplate, { contact: { id, first_name: a }, company: { name: "X" } });
        const two = renderMessage(templates[1] as MessageTemplate, { contact: { id, first_name: b }, company: { name: "X" } });
        expect(one.body.slice(0, 3)).toBe(two.body.slice(0, 3));
      }),
    );
  });
});
