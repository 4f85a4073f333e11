/** The planner's copy choice (`chooseTemplate`): the seam an experiment's copy arm plugs into. */
import { describe, expect, it } from "vitest";
import { chooseTemplate } from "../plan.js";

type Template = Parameters<typeof chooseTemplate>[0][number];
const template = (name: string): Template => ({ id: `id-${name}`, name, status: "approved" }) as Template;

describe("chooseTemplate", () => {
  const candidates = [template("email 1"), template("email 1 b"), template("any step")];

  it("takes the first candidate (the order of precedence) without an assignment", () => {
    expect(chooseTemplate(candidates)?.name).toBe("email 1");
    expect(chooseTemplate([])).toBeUndefined();
  });

  it("takes the assigned variant among the candidates, else the first", () => {
    expect(chooseTemplate(candidates, { templateId: "id-email 1 b" })?.name).toBe("email 1 b");
    expect(chooseTemplate(candidates, { templateId: "id-not a candidate" })?.name).toBe("email 1");
  });
});
