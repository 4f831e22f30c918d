import type { Plan, PlanViolation } from "./run";

/**
 * The plan as a platform engineer reads `pulumi preview`: the resource tree by parent with `+` marks,
 * stack outputs, the policy pack that judged it with each violation's remediation grouped by resource,
 * and the summary line. Pure: the CLI decides about colour; the golden tests read the plain text.
 */

export interface PackIdentity {
  readonly name: string;
  readonly version: string;
  /** Policies the pack ran. */
  readonly policies: number;
  /** A policy's remediation, to print under each of its violations. */
  readonly remediation: (policy: string) => string | undefined;
}

export interface PreviewStyle {
  readonly color: boolean;
  /** Total line width the resource table must fit (default 100). */
  readonly width?: number;
}

const ANSI = { green: "32", red: "31", yellow: "33", bold: "1", dim: "2" } as const;

function paint(style: PreviewStyle, code: keyof typeof ANSI, text: string): string {
  return style.color ? `\u001b[${ANSI[code]}m${text}\u001b[0m` : text;
}

/** `docker:index/container:Container` → `docker:index:Container`, the form `pulumi preview` prints. */
export function displayType(type: string): string {
  const [pkg, mod, name] = type.split(":");
  if (pkg === undefined || mod === undefined || name === undefined) return type;
  const slash = mod.indexOf("/");
  return `${pkg}:${slash === -1 ? mod : mod.slice(0, slash)}:${name}`;
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

interface Row {
  readonly tree: string;
  readonly type: string;
  readonly name: string;
}

/** Depth-first from the stack, children in declaration order, with `├─`/`└─` guides as `pulumi preview` draws them. */
function treeRows(plan: Plan): Row[] {
  const known = new Set(plan.resources.map((r) => r.urn));
  const children = new Map<string | undefined, Plan["resources"]>();
  for (const r of plan.resources) {
    const parent = r.parent && known.has(r.parent) ? r.parent : undefined;
    children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  const rows: Row[] = [];
  const walk = (urn: string | undefined, indent: string, top: boolean) => {
    const kids = children.get(urn) ?? [];
    kids.forEach((r, i) => {
      const last = i === kids.length - 1;
      rows.push({ tree: top ? "" : `${indent}${last ? "└─ " : "├─ "}`, type: displayType(r.type), name: r.name });
      walk(r.urn, top ? "" : `${indent}${last ? "   " : "│  "}`, false);
    });
  };
  walk(undefined, "", true);
  return rows;
}

function resourceTable(plan: Plan, style: PreviewStyle): string[] {
  const width = style.width ?? 100;
  const rows = treeRows(plan);
  const mark = " +   ";
  const planCol = "create";
  // Type and name share what the marks and the plan column leave, the type taking up to 55 %.
  const room = width - mark.length - planCol.length - 4;
  const typeWidth = Math.min(Math.max(...rows.map((r) => r.tree.length + r.type.length), 4), Math.floor(room * 0.55));
  const nameWidth = Math.min(Math.max(...rows.map((r) => r.name.length), 4), room - typeWidth);
  const line = (m: string, type: string, name: string, p: string) =>
    `${m}${type.padEnd(typeWidth)}  ${name.padEnd(nameWidth)}  ${p}`.trimEnd();
  return [
    line("     ", "Type", "Name", "Plan"),
    ...rows.map((r) =>
      line(paint(style, "green", mark), clip(`${r.tree}${r.type}`, typeWidth), clip(r.name, nameWidth), paint(style, "green", planCol)),
    ),
  ];
}

function outputLines(outputs: Record<string, unknown>): string[] {
  const names = Object.keys(outputs).sort();
  if (names.length === 0) return [];
  const width = Math.max(...names.map((n) => n.length));
  const lines = ["Outputs:"];
  for (const name of names) {
    const value = outputs[name];
    const text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value, null, 4);
    const [first, ...rest] = (text ?? "undefined").split("\n");
    lines.push(`    ${`${name}:`.padEnd(width + 1)} ${first}`, ...rest.map((l) => `    ${" ".repeat(width + 1)} ${l}`));
  }
  return [...lines, ""];
}

function policyLines(violations: readonly PlanViolation[], pack: PackIdentity, style: PreviewStyle): string[] {
  const mandatory = violations.filter((v) => v.level === "mandatory").length;
  const head = `${pack.name}@v${pack.version} (${pack.policies} policies)`;
  if (violations.length === 0) return ["Policies:", `    ${paint(style, "green", "✔")} ${head}: no violations`, ""];
  const lines = [
    "Policies:",
    `    ${paint(style, mandatory ? "red" : "yellow", "✖")} ${head}: ${violations.length} violation(s), ${mandatory} mandatory`,
  ];
  const byResource = new Map<string, PlanViolation[]>();
  for (const v of violations) byResource.set(v.urn ?? "(stack)", [...(byResource.get(v.urn ?? "(stack)") ?? []), v]);
  for (const [urn, list] of byResource) {
    lines.push(`        ${paint(style, "bold", urn === "(stack)" ? "the stack as a whole" : (urn.split("::").pop() ?? urn))}  ${paint(style, "dim", urn)}`);
    for (const v of list) {
      lines.push(`          ${paint(style, v.level === "mandatory" ? "red" : "yellow", `[${v.level}]`)} ${v.policy}: ${v.message}`);
      const fix = pack.remediation(v.policy);
      if (fix) lines.push(`              remediation: ${fix}`);
    }
  }
  return [...lines, ""];
}

/** The resources `pulumi destroy` and replacements may not delete (docs/data-protection.md). */
function protectionLines(plan: Plan): string[] {
  const kept = plan.resources.filter((r) => r.protect || r.retainOnDelete);
  if (kept.length === 0) return [];
  const options = (r: Plan["resources"][number]) => [r.protect ? "protect" : "", r.retainOnDelete ? "retainOnDelete" : ""].filter(Boolean).join(", ");
  const width = Math.max(...kept.map((r) => options(r).length));
  return ["Data protection:", ...kept.map((r) => `    ${options(r).padEnd(width)}  ${displayType(r.type)}  ${r.name}`), ""];
}

export function formatPreview(plan: Plan, pack: PackIdentity, style: PreviewStyle): string {
  return [
    `Previewing update (${plan.stack}), offline: the program under Pulumi's mock runtime`,
    "",
    ...resourceTable(plan, style),
    "",
    ...outputLines(plan.outputs),
    ...protectionLines(plan),
    ...policyLines(plan.violations, pack, style),
    "Resources:",
    `    ${paint(style, "green", `+ ${plan.resources.length} to create`)}`,
    "",
  ].join("\n");
}
