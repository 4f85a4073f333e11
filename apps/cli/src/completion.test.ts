/**
 * `offerlab completion bash|zsh|fish`: generated from the program tree. Each script is run in its
 * shell where the shell is installed (CI and this machine have bash; zsh and fish come from
 * Debian's packages `zsh` and `fish`): bash and fish complete real command lines (fish's own
 * `complete -C`); zsh runs the function with `_describe` standing in for its completion system,
 * which needs a terminal. Without zsh or fish their tests are skipped and the structural checks
 * below (the documented `_describe` and `complete` forms) still run.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildProgram } from "./cli.js";
import { completionScript, completionTree } from "./commands/completion.js";
import { runCli } from "./test-support/cli-db.js";

const io = { stdout: () => undefined, stderr: () => undefined, env: {}, cwd: process.cwd() };

/** What bash offers after `line` (the last word is being completed). */
function bashComplete(script: string, line: string): string[] {
  const words = line.split(" ");
  const program = `${script}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")})
COMP_CWORD=${words.length - 1}
_offerlab_completion
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync("bash", ["--norc", "--noprofile", "-c", program], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return r.stdout.split("\n").filter(Boolean);
}

const has = (shell: string) => spawnSync(shell, ["-c", "exit 0"]).status === 0;

/** What zsh's `_offerlab` hands to `_describe` (subcommands, or options after `-`) for `line`. */
function zshComplete(script: string, line: string): string[] {
  const words = line.split(" ");
  const program = `compdef() { : }
_files() { print -r -- _files }
_describe() { local name=\${@[-1]}; print -rl -- "\${(@P)name}"; return 0 }
${script}
words=(${words.map((w) => `'${w}'`).join(" ")})
CURRENT=${words.length}
_offerlab`;
  const r = spawnSync("zsh", ["-f", "-c", program], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => l.replace(/(?<!\\):.*$/, "").replaceAll("\\:", ":"));
}

/** The script in a file (fish reads a script from a file: given on a pipe by Node, it refuses it). */
function fishFile(script: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "offerlab-fish-")), "offerlab.fish");
  fs.writeFileSync(file, script);
  return file;
}

/** What fish offers for `line` (its own `complete -C`, after loading the script). */
function fishComplete(script: string, line: string): string[] {
  const r = spawnSync("fish", ["--no-config", "-c", `source ${fishFile(script)}; complete -C ${JSON.stringify(line)}`], {
    encoding: "utf8",
  });
  expect(r.stderr).toBe("");
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split("\t")[0]!);
}

describe("offerlab completion", () => {
  it("prints each shell's script (exit 0) and refuses another shell (exit 2)", async () => {
    for (const shell of ["bash", "zsh", "fish"]) {
      const r = await runCli(["completion", shell], {});
      expect(r.code, shell).toBe(0);
      expect(r.stdout, shell).toContain(`offerlab completion for ${shell}`);
      expect(r.stderr).toBe("");
    }
    const bad = await runCli(["completion", "powershell"], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('offerlab: <shell>: must be one of bash, zsh, fish (got "powershell")\n');
    const missing = await runCli(["completion"], {});
    expect(missing.code).toBe(2);
    const help = await runCli(["completion", "--help"], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("source <(offerlab completion bash)");
    expect(help.stdout).not.toContain("--sandbox");
  });

  it("bash completes every top-level command, subcommands and options of the command typed so far", async () => {
    const program = await buildProgram(io, [], { load: "all" });
    const script = completionScript("bash", program);
    const top = bashComplete(script, "offerlab ");
    expect(top).toEqual(expect.arrayContaining(program.commands.map((c) => c.name())));
    expect(top).toContain("completion");
    expect(top).toEqual(expect.arrayContaining(["--help", "--version"]));

    expect(bashComplete(script, "offerlab camp")).toEqual(["campaigns"]);
    const campaigns = program.commands.find((c) => c.name() === "campaigns")!;
    expect(bashComplete(script, "offerlab campaigns ").sort()).toEqual([...campaigns.commands.map((c) => c.name()), "--help"].sort());
    expect(bashComplete(script, "offerlab db migrate --").sort()).toEqual(["--help", "--json", "--sandbox"]);
    // An option's value is skipped when finding the command: `--offer coach` is not a command word.
    const people = bashComplete(script, "offerlab discover people --offer coach --max");
    expect(people).toEqual(["--max-companies"]);
  });

  it("is generated from the tree: a new command completes at once", async () => {
    const program = await buildProgram(io, [], { load: "all" });
    program.command("zz-new").description("a command added later").option("--shiny", "a new option");
    expect(bashComplete(completionScript("bash", program), "offerlab zz")).toEqual(["zz-new"]);
    expect(bashComplete(completionScript("bash", program), "offerlab zz-new --sh")).toEqual(["--shiny"]);
    expect(completionScript("zsh", program)).toContain("'zz-new:a command added later'");
    expect(completionScript("fish", program)).toContain("-n '__fish_seen_subcommand_from zz-new' -l shiny -d 'a new option'");
  });

  it("zsh: a #compdef function with each command's subcommands and options, described", async () => {
    const program = await buildProgram(io, [], { load: "all" });
    const script = completionScript("zsh", program);
    expect(script.startsWith("#compdef offerlab\n")).toBe(true);
    expect(script).toContain("compdef _offerlab offerlab");
    const db = program.commands.find((c) => c.name() === "db")!;
    expect(script).toContain(`'db:${db.description()}'`);
    const line = script.split("\n").find((l) => l.trim().startsWith("'db migrate') subs=()"));
    expect(line).toContain("opts=('--json:print the result as JSON' '--sandbox:work in the sandbox");
    expect(line).toContain("'--help:display help for command') ;;");
    // A quote inside a description is closed, escaped and reopened.
    expect(line).toContain(`sandbox'\\''s own database`);
    // zsh's `path` is tied to PATH: the function never declares it.
    expect(script).not.toMatch(/local path\b/);
  });

  it("fish: one `complete` line per subcommand and option, each under the condition of its command", async () => {
    const program = await buildProgram(io, [], { load: "all" });
    const script = completionScript("fish", program);
    const tree = completionTree(program);
    const db = tree.subcommands.find((s) => s.name === "db")!;
    expect(script).toContain(`complete -c offerlab -n '__fish_use_subcommand' -a 'db' -d '${db.description}'`);
    expect(script).toContain(
      "complete -c offerlab -n '__fish_seen_subcommand_from db; and not __fish_seen_subcommand_from migrate status' -a 'migrate'",
    );
    expect(script).toContain("complete -c offerlab -n '__fish_seen_subcommand_from db; and __fish_seen_subcommand_from migrate' -l json");
    // Every visible command of the tree has its line.
    const count = (n: typeof tree): number => n.subcommands.length + n.subcommands.reduce((a, s) => a + count(s), 0);
    expect(script.split("\n").filter((l) => / -a '[^']+' -d /.test(l) && !l.includes(" -l ")).length).toBe(count(tree));
  });

  it.skipIf(!has("zsh"))("zsh runs the script: the command path walked past options, each command's subcommands and options", async () => {
    const program = await buildProgram(io, [], { load: "all" });
    const script = completionScript("zsh", program);
    expect(spawnSync("zsh", ["-n", "-f"], { input: script, encoding: "utf8" }).status).toBe(0);
    expect(zshComplete(script, "offerlab ")).toEqual(expect.arrayContaining(program.commands.map((c) => c.name())));
    const campaigns = program.commands.find((c) => c.name() === "campaigns")!;
    expect(zshComplete(script, "offerlab campaigns ").sort()).toEqual(campaigns.commands.map((c) => c.name()).sort());
    expect(zshComplete(script, "offerlab db migrate --").sort()).toEqual(["--help", "--json", "--sandbox"]);
    expect(zshComplete(script, "offerlab discover people --offer coach --")).toContain("--max-companies");
  });

  it.skipIf(!has("fish"))("fish completes real command lines with the script loaded", async () => {
    const program = await buildProgram(io, [], { load: "all" });
    const script = completionScript("fish", program);
    expect(spawnSync("fish", ["--no-config", "-n", fishFile(script)], { encoding: "utf8" }).status).toBe(0);
    expect(fishComplete(script, "offerlab camp")).toEqual(["campaigns"]);
    const campaigns = program.commands.find((c) => c.name() === "campaigns")!;
    expect(fishComplete(script, "offerlab campaigns ").sort()).toEqual(campaigns.commands.map((c) => c.name()).sort());
    expect(fishComplete(script, "offerlab db migrate --").sort()).toEqual(["--help", "--json", "--sandbox"]);
  });
});
