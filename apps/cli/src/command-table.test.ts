import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram, commandOf } from "./cli.js";
import { COMMANDS, MODULES, type ModuleName } from "./command-table.js";
import type { Io } from "./output.js";

const io: Io = { stdout: () => {}, stderr: () => {}, env: {}, cwd: process.cwd() };

describe("the lazy command table", () => {
  it("prints the same root help as the program with every command module loaded", async () => {
    const lazy = await buildProgram(io, ["node", "offerlab", "--help"]);
    const eager = await buildProgram(io, ["node", "offerlab"], { load: "all" });
    expect(lazy.helpInformation()).toBe(eager.helpInformation());
    // Every top-level command of the real program is in the table, once, in the same order.
    expect(lazy.commands.map((c) => c.name())).toEqual(eager.commands.map((c) => c.name()));
    expect(COMMANDS.map((c) => c.name)).toEqual(eager.commands.map((c) => c.name()));
  });

  it("names, for each command, every module that registers or extends it", async () => {
    for (const [name, load] of Object.entries(MODULES) as [ModuleName, () => Promise<(p: Command, io: Io) => void>][]) {
      const program = new Command("offerlab");
      // A module that adds to another's command (tools) needs that one first, as the program does.
      for (const before of Object.keys(MODULES) as ModuleName[]) {
        if (before === name) break;
        if (COMMANDS.some((c) => c.modules.includes(before) && c.modules.includes(name))) (await MODULES[before]())(program, io);
      }
      const counts = new Map(program.commands.map((c) => [c.name(), c.commands.length]));
      (await load())(program, io);
      const touched = program.commands.filter((c) => counts.get(c.name()) !== c.commands.length).map((c) => c.name());
      expect(touched.length, name).toBeGreaterThan(0);
      for (const command of touched) expect(COMMANDS.find((c) => c.name === command)?.modules, `${name} → ${command}`).toContain(name);
    }
  });

  it("loads only the modules of the command being run; the others are stubs", async () => {
    const program = await buildProgram(io, ["node", "offerlab", "offers", "list", "--json"]);
    const offers = program.commands.find((c) => c.name() === "offers")!;
    expect(offers.commands.map((c) => c.name())).toContain("list");
    for (const other of ["campaigns", "accounts", "db", "tools"])
      expect(program.commands.find((c) => c.name() === other)!.commands).toEqual([]);
    // `tools` is registered by two modules: both load.
    const tools = (await buildProgram(io, ["node", "offerlab", "tools", "usage"])).commands.find((c) => c.name() === "tools")!;
    expect(tools.commands.map((c) => c.name()).sort()).toEqual(["limits", "list", "refresh", "usage"]);
  });

  it("finds the command: the first word that is not an option, or the one after help", () => {
    expect(commandOf(["--help"])).toBeUndefined();
    expect(commandOf(["offers", "list"])).toBe("offers");
    expect(commandOf(["--version"])).toBeUndefined();
    expect(commandOf(["help", "campaigns"])).toBe("campaigns");
    expect(commandOf(["-h", "demo", "--weeks", "2"])).toBe("demo");
  });
});
