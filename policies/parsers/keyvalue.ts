import { memoByText } from "./memo";
/** One directive of a line-oriented configuration file. */
export interface Directive {
  key: string;
  /** Everything after the key, trimmed ("" for a bare flag). */
  value: string;
  line: number;
}

function stripComment(line: string): string {
  const i = line.indexOf("#");
  return (i >= 0 ? line.slice(0, i) : line).trim();
}

/**
 * turnserver.conf: `key=value` or `key value` or a bare `flag`, `#` comments, an optional leading
 * `--` (coturn accepts its command-line spelling in the file too).
 */
function parseCoturnText(text: string): Directive[] {
  const out: Directive[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = stripComment(raw);
    if (line === "") return;
    const m = /^(?:--)?([A-Za-z0-9_-]+)\s*(?:[=\s]\s*(.*))?$/.exec(line);
    if (m) out.push({ key: m[1]!.toLowerCase(), value: (m[2] ?? "").trim().replace(/^"(.*)"$/, "$1"), line: i + 1 });
  });
  return out;
}

/** Splits a Redis config line into arguments, honouring "double" and 'single' quotes. */
export function redisArgs(line: string): string[] {
  const args: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) args.push(m[1] ?? m[2] ?? m[3] ?? "");
  return args;
}

/** redis.conf and Redis ACL files: `directive arg arg ...`, `#` comments at line start. */
function parseRedisText(text: string): { args: string[]; line: number }[] {
  const out: { args: string[]; line: number }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const args = redisArgs(line);
    if (args.length > 0) out.push({ args: [args[0]!.toLowerCase(), ...args.slice(1)], line: i + 1 });
  });
  return out;
}

export const parseCoturn = memoByText(parseCoturnText);
export const parseRedis = memoByText(parseRedisText);
