/**
 * The template language, parsed once into a small tree:
 *
 * - `{{path}}` a variable (`{{first_name}}`, `{{company.name}}`, `{{signals.hiring.sales_reps}}`);
 * - `{{path|fallback}}` a variable with the text to use when it is missing or empty
 *   (`{{first_name|there}}`; `{{title|}}` says "leave it out");
 * - `{a|b|c}` spintax: one option is picked per contact, options may hold variables and nested spintax.
 *
 * Every brace in a template is syntax. A lone `{word}` (no `|`) is an error rather than text,
 * because it is almost always a mistyped variable.
 */

/** A piece of a parsed template. */
export type TemplateNode =
  | { type: "text"; value: string }
  | { type: "variable"; path: string; fallback: string | undefined; raw: string }
  | { type: "spin"; options: TemplateNode[][] };

/** A syntax error, with its 0-based offset in the template. */
export interface TemplateSyntaxError {
  offset: number;
  message: string;
}

/** The result of {@link parseTemplate}: the tree, or the first syntax error. */
export type ParsedTemplate = { ok: true; nodes: TemplateNode[] } | { ok: false; error: TemplateSyntaxError };

/** A variable path: identifiers (or array indexes) joined by dots. */
export const VARIABLE_PATH_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/;

// Internal: unwinds the recursive parser to `parseTemplate`, which catches it and returns
// `{ ok: false, error }` (it never throws), so no caller ever sees it: no OfferlabError, no code.
class SyntaxFailure extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** Parses a template; never throws. */
export function parseTemplate(source: string): ParsedTemplate {
  let pos = 0;

  function parseVariable(): TemplateNode {
    const start = pos;
    const end = source.indexOf("}}", pos + 2);
    if (end === -1) throw new SyntaxFailure(start, "`{{` is never closed with `}}`");
    const inner = source.slice(pos + 2, end);
    if (/[{}]/.test(inner)) throw new SyntaxFailure(start, `braces inside the variable \`{{${inner}}}\``);
    pos = end + 2;
    const bar = inner.indexOf("|");
    const path = (bar === -1 ? inner : inner.slice(0, bar)).trim();
    const fallback = bar === -1 ? undefined : inner.slice(bar + 1).trim();
    if (!VARIABLE_PATH_PATTERN.test(path)) {
      throw new SyntaxFailure(start, `\`{{${inner}}}\` is not a variable: expected a name such as first_name or company.name`);
    }
    return { type: "variable", path, fallback, raw: source.slice(start, pos) };
  }

  function parseSequence(inSpin: boolean): TemplateNode[] {
    const nodes: TemplateNode[] = [];
    let text = "";
    const flush = () => {
      if (text !== "") nodes.push({ type: "text", value: text });
      text = "";
    };
    while (pos < source.length) {
      const ch = source[pos];
      if (ch === "{") {
        flush();
        nodes.push(source[pos + 1] === "{" ? parseVariable() : parseSpin());
        continue;
      }
      if (ch === "}") {
        if (inSpin) break;
        throw new SyntaxFailure(pos, "a `}` closes nothing");
      }
      if (ch === "|" && inSpin) break;
      text += ch;
      pos++;
    }
    flush();
    return nodes;
  }

  function parseSpin(): TemplateNode {
    const start = pos;
    pos++;
    const options: TemplateNode[][] = [parseSequence(true)];
    while (source[pos] === "|") {
      pos++;
      options.push(parseSequence(true));
    }
    if (source[pos] !== "}") throw new SyntaxFailure(start, "a spintax `{` is never closed with `}`");
    pos++;
    if (options.length < 2) {
      const inner = source.slice(start + 1, pos - 1);
      throw new SyntaxFailure(
        start,
        `\`{${inner}}\` has a single option: spintax needs \`{a|b}\`, a variable needs double braces \`{{${inner.trim()}}}\``,
      );
    }
    return { type: "spin", options };
  }

  try {
    return { ok: true, nodes: parseSequence(false) };
  } catch (error) {
    if (error instanceof SyntaxFailure) return { ok: false, error: { offset: error.offset, message: error.message } };
    throw error;
  }
}

/** Every variable a parsed template mentions, in every spintax option, in order of appearance. */
export function templateVariables(nodes: readonly TemplateNode[]): Array<{ path: string; fallback: string | undefined }> {
  const found: Array<{ path: string; fallback: string | undefined }> = [];
  const walk = (list: readonly TemplateNode[]) => {
    for (const node of list) {
      if (node.type === "variable") found.push({ path: node.path, fallback: node.fallback });
      else if (node.type === "spin") node.options.forEach(walk);
    }
  };
  walk(nodes);
  return found;
}
