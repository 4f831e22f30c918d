import { memoByText } from "./memo";
/** A directive of an nginx configuration: `name args...;` or `name args... { children }`. */
export interface NginxDirective {
  name: string;
  args: string[];
  children?: NginxDirective[];
  line: number;
}

type Token = { text: string; line: number; quoted: boolean };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\n") { line++; i++; continue; }
    if (/\s/.test(c)) { i++; continue; }
    if (c === "#") { while (i < text.length && text[i] !== "\n") i++; continue; }
    if (c === "{" || c === "}" || c === ";") { tokens.push({ text: c, line, quoted: false }); i++; continue; }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = "";
      while (j < text.length && text[j] !== c) {
        if (text[j] === "\\" && j + 1 < text.length) j++;
        if (text[j] === "\n") line++;
        s += text[j];
        j++;
      }
      if (j >= text.length) throw new Error(`nginx config: unterminated quote on line ${line}`);
      tokens.push({ text: s, line, quoted: true });
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < text.length && !/[\s{};#]/.test(text[j]!)) j++;
    tokens.push({ text: text.slice(i, j), line, quoted: false });
    i = j;
  }
  return tokens;
}

/** Parses nginx configuration text into a directive tree; throws with a line number on bad syntax. */
function parseNginxText(text: string): NginxDirective[] {
  const tokens = tokenize(text);
  let pos = 0;
  const block = (depth: number): NginxDirective[] => {
    const out: NginxDirective[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos]!;
      if (!t.quoted && t.text === "}") {
        if (depth === 0) throw new Error(`nginx config: unexpected "}" on line ${t.line}`);
        pos++;
        return out;
      }
      const name = t.text;
      const args: string[] = [];
      pos++;
      for (;;) {
        const a = tokens[pos];
        if (!a) throw new Error(`nginx config: directive "${name}" on line ${t.line} is not terminated`);
        pos++;
        if (!a.quoted && a.text === ";") { out.push({ name, args, line: t.line }); break; }
        if (!a.quoted && a.text === "{") { out.push({ name, args, children: block(depth + 1), line: t.line }); break; }
        if (!a.quoted && a.text === "}") throw new Error(`nginx config: unexpected "}" on line ${a.line}`);
        args.push(a.text);
      }
    }
    if (depth > 0) throw new Error("nginx config: missing closing \"}\"");
    return out;
  };
  return block(0);
}

/** A server block with its context chain (server, http, main), innermost first. */
export interface ServerContext {
  server: NginxDirective;
  chain: NginxDirective[][];
}

export function serverBlocks(root: NginxDirective[]): ServerContext[] {
  const out: ServerContext[] = [];
  const walk = (dirs: NginxDirective[], parents: NginxDirective[][]) => {
    for (const d of dirs) {
      if (d.name === "server" && d.children) out.push({ server: d, chain: [d.children, ...parents] });
      else if (d.children && d.name !== "location") walk(d.children, [d.children, ...parents]);
    }
  };
  walk(root, [root]);
  return out;
}

/** The directive in effect in a context: the innermost level that sets it (nginx inheritance). */
export function effective(chain: NginxDirective[][], name: string): NginxDirective[] {
  for (const level of chain) {
    const found = level.filter((d) => d.name === name);
    if (found.length > 0) return found;
  }
  return [];
}

/** Every directive of a name anywhere in the tree. */
export function allDirectives(root: NginxDirective[], name: string): NginxDirective[] {
  const out: NginxDirective[] = [];
  const walk = (dirs: NginxDirective[]) => {
    for (const d of dirs) {
      if (d.name === name) out.push(d);
      if (d.children) walk(d.children);
    }
  };
  walk(root);
  return out;
}

/** Parses nginx configuration (memoised by text: see memo.ts). Throws on unbalanced braces or quotes. */
export const parseNginx = memoByText(parseNginxText);
