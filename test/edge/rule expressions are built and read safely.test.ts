import { describe, expect, it } from "vitest";
import { fieldsOf, literal, literalSet, usesRegex, withoutStringLiterals } from "../../components/edge";
import { refusal, rulesInput } from "./support/planned-rules";

describe("Rules-language literals", () => {
  it("escapes quotes and backslashes so a value cannot close the literal and add conditions", () => {
    expect(literal('a"b')).toBe('"a\\"b"');
    expect(literal("a\\")).toBe('"a\\\\"');
    const hostile = literal('x" or true or "');
    // Blanking the (single) literal leaves no code behind: the whole value stayed inside it.
    expect(withoutStringLiterals(hostile)).toBe('""');
    expect(literalSet(["GET", "POST"])).toBe('{"GET" "POST"}');
  });
});

describe("reading what an expression uses", () => {
  it("finds the regex operator in code, in either spelling, but not inside a string value", () => {
    expect(usesRegex('http.request.uri.path matches "^/x"')).toBe(true);
    expect(usesRegex('http.request.uri.path ~ "^/x"')).toBe(true);
    expect(usesRegex('http.request.uri.path eq "/matches/~"')).toBe(false);
    expect(usesRegex('http.request.uri.path eq r"/matches"')).toBe(false);
    expect(usesRegex('http.request.uri.path eq r#"/a"matches"#')).toBe(false);
    expect(usesRegex('http.host eq "a\\" matches"')).toBe(false);
  });

  it("lists the fields read, ignoring anything inside string values", () => {
    expect(fieldsOf('http.host eq "ip.src" and starts_with(http.request.uri.path, "/x")').sort()).toEqual(["http.host", "http.request.uri.path"]);
    expect(fieldsOf('any(http.request.headers["origin"][*] in {"https://a"})')).toEqual(["http.request.headers"]);
    expect(fieldsOf("not ip.src in {192.0.2.0/24}")).toEqual(["ip.src"]);
  });

  it("every built-in rule's values are literals: a hostname cannot smuggle code into an expression", () => {
    // Hostnames are validated, so the hostile value is refused before it could reach an expression.
    const hostile = rulesInput({ plan: "pro", hostnames: { ...rulesInput().hostnames, app: 'app.example.com" or true or "' } });
    expect(refusal(hostile)).toMatch(/hostnames.app: .* is not a fully qualified hostname/);
  });
});
