import { pinVerdict, SECRET_MASK, versionFloorProblem } from "@rampart/catalogue";
import type { Op } from "./match";
import { isObj, pathText, showPair, showValue, type PathSegment } from "./values";

/**
 * Which changes matter to security, each with one sentence a reviewer can act on. Works on masked
 * values only (see diff.ts), so no sentence can carry a secret.
 */

export const CATEGORIES = ["exposure", "privilege", "identity", "edge", "images"] as const;
export type Category = (typeof CATEGORIES)[number];

export const CATEGORY_TITLES: Record<Category, string> = {
  exposure: "Exposure",
  privilege: "Privilege",
  identity: "Identity and secrets",
  edge: "Edge (Cloudflare)",
  images: "Images and versions",
};

export interface Finding {
  readonly category: Category;
  readonly urn?: string;
  readonly name?: string;
  readonly sentence: string;
}

/** A resource change with masked values: what classification and rendering see. */
export interface ShownChange {
  readonly path: readonly PathSegment[];
  readonly before: unknown;
  readonly after: unknown;
}

export interface ShownResource {
  readonly op: Op;
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly before?: Record<string, unknown>;
  readonly after?: Record<string, unknown>;
  readonly changes: readonly ShownChange[];
  readonly renamedFrom?: string;
  readonly renamedTo?: string;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}

const SG_RULES = new Set([
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  "aws:ec2/securityGroupRule:SecurityGroupRule",
]);
const SECURITY_GROUPS = new Set(["aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"]);
const CONTAINER = "docker:index/container:Container";
const PRIVILEGE_KEYS = new Set([
  "user", "capabilities", "privileged", "readOnly", "securityOpts", "pidMode", "ipcMode", "networkMode", "mounts", "volumes",
  "devices", "tmpfs", "usernsMode", "cgroupnsMode", "groupAdds", "sysctls", "runtime", "gpus",
]);
const KEY_MATERIAL = new Set([
  "tls:index/privateKey:PrivateKey",
  "tls:index/selfSignedCert:SelfSignedCert",
  "tls:index/locallySignedCert:LocallySignedCert",
  "tls:index/certRequest:CertRequest",
  "random:index/randomPassword:RandomPassword",
  "random:index/randomString:RandomString",
  "random:index/randomBytes:RandomBytes",
  "random:index/randomId:RandomId",
  "cloudflare:index/originCaCertificate:OriginCaCertificate",
  "cloudflare:index/authenticatedOriginPullsCertificate:AuthenticatedOriginPullsCertificate",
  "acme:index/certificate:Certificate",
  "acme:index/registration:Registration",
]);
const FIREWALL_LINE = /DOCKER-USER|RAMPART-INPUT|iptables|ip6tables|\bnft\b|ufw /;

const show = showValue;

function arrow(b: unknown, a: unknown): string {
  const [x, y] = showPair(b, a);
  return `${x} → ${y}`;
}

/** `xs` less one occurrence of each of `ys` (two masked values are two values). */
function without(xs: readonly string[], ys: readonly string[]): string[] {
  const left = [...ys];
  return xs.filter((x) => {
    const i = left.indexOf(x);
    if (i === -1) return true;
    left.splice(i, 1);
    return false;
  });
}

function changeText(c: ShownChange): string {
  const b = c.before;
  const a = c.after;
  if (Array.isArray(b) || Array.isArray(a)) {
    const bs = list(b).map((x) => JSON.stringify(x));
    const as = list(a).map((x) => JSON.stringify(x));
    const added = without(as, bs);
    const removed = without(bs, as);
    if (added.length + removed.length > 0) return `${pathText(c.path)}: ${[...added.map((x) => `+${x}`), ...removed.map((x) => `−${x}`)].join(", ")}`;
    // Equal once masked: a secret value inside the list changed.
    return `${pathText(c.path)}: ${bs.join() === as.join() ? `a secret value changes (${SECRET_MASK})` : "reordered"}`;
  }
  if ((typeof b === "string" && b.includes("\n")) || (typeof a === "string" && a.includes("\n"))) {
    const { added, removed } = linesChanged(c);
    return `${pathText(c.path)}: ${added.length} line(s) added, ${removed.length} removed`;
  }
  return `${pathText(c.path)}: ${arrow(b, a)}`;
}

export { changeText };

function ruleText(i: Record<string, unknown>, egress: boolean): string {
  const proto = String(i.ipProtocol ?? i.protocol ?? "");
  const ports = proto === "-1" || proto === "all" ? "all traffic" : i.fromPort === i.toPort || i.toPort === undefined ? `${String(i.fromPort)}/${proto}` : `${String(i.fromPort)}-${String(i.toPort)}/${proto}`;
  const srcs = [
    ...list(i.cidrIpv4), ...list(i.cidrIpv6), ...list(i.cidrBlocks), ...list(i.ipv6CidrBlocks),
    ...list(i.prefixListId).map((x) => `prefix list ${String(x)}`), ...list(i.prefixListIds).map((x) => `prefix list ${String(x)}`),
    ...list(i.referencedSecurityGroupId ?? i.sourceSecurityGroupId).map((x) => `security group ${String(x)}`),
  ].map(String);
  return `${ports} ${egress ? "to" : "from"} ${srcs.join(", ") || "(no source)"}`;
}

function isEgress(r: ShownResource, i: Record<string, unknown>): boolean {
  return r.type.includes("EgressRule") || i.type === "egress";
}

function linesChanged(c: ShownChange): { added: string[]; removed: string[] } {
  const bl = typeof c.before === "string" ? c.before.split("\n") : [];
  const al = typeof c.after === "string" ? c.after.split("\n") : [];
  return { added: al.filter((l) => !bl.includes(l)), removed: bl.filter((l) => !al.includes(l)) };
}

function firewallFindings(r: ShownResource): Finding[] {
  const out: Finding[] = [];
  for (const c of r.changes) {
    if (typeof c.before !== "string" && typeof c.after !== "string") continue;
    const { added, removed } = linesChanged(c);
    const fa = added.filter((l) => FIREWALL_LINE.test(l));
    const fr = removed.filter((l) => FIREWALL_LINE.test(l));
    if (fa.length + fr.length === 0) continue;
    const sample = [...fa.slice(0, 3).map((l) => `+ \`${l.trim()}\``), ...fr.slice(0, 3).map((l) => `− \`${l.trim()}\``)].join(", ");
    out.push({ category: "exposure", sentence: `host firewall rules in ${pathText(c.path)} change (+${fa.length} −${fr.length} lines): ${sample}` });
  }
  return out;
}

function containerFindings(r: ShownResource): Finding[] {
  const out: Finding[] = [];
  if (r.op === "update") {
    for (const c of r.changes) {
      const top = c.path[0];
      if (top === "ports" || top === "networksAdvanced") out.push({ category: "exposure", sentence: `port binding ${changeText(c)}` });
      else if (typeof top === "string" && PRIVILEGE_KEYS.has(top)) out.push({ category: "privilege", sentence: privilegeSentence(c) });
      else if (top === "image") out.push({ category: "images", sentence: imageSentence(c.before, c.after) });
    }
    return out;
  }
  const i = (r.op === "create" ? r.after : r.before) ?? {};
  const verb = r.op === "create" ? "runs" : "ran";
  const caps = isObj(i.capabilities) ? list(i.capabilities.adds) : [];
  if (r.op === "create") {
    if (caps.length > 0) out.push({ category: "privilege", sentence: `new container adds capabilities ${caps.map(String).join(", ")}` });
    if (i.privileged === true) out.push({ category: "privilege", sentence: "new container is privileged" });
    if (i.user === undefined || /^(root|0)(:|$)/.test(String(i.user))) out.push({ category: "privilege", sentence: `new container runs as ${i.user === undefined ? "the image's default user (often root)" : `root (${String(i.user)})`}` });
    for (const mode of ["networkMode", "pidMode", "ipcMode"] as const) if (i[mode] === "host") out.push({ category: "privilege", sentence: `new container shares the host's ${mode.replace("Mode", "")} namespace` });
    for (const p of list(i.ports).filter(isObj)) out.push({ category: "exposure", sentence: `new container publishes ${String(p.external ?? p.internal)}/${String(p.protocol ?? "tcp")} on ${String(p.ip ?? "0.0.0.0")}` });
  }
  if (typeof i.image === "string") out.push({ category: "images", sentence: `${r.op === "create" ? "new" : "removed"} container ${verb} image ${i.image}${r.op === "create" ? pinNote(i.image) : ""}` });
  return out;
}

function privilegeSentence(c: ShownChange): string {
  const p = pathText(c.path);
  if (p === "capabilities.adds") return `capabilities added: ${changeText(c).slice(p.length + 2)}`;
  if (p === "capabilities.drops") return `capabilities dropped: ${changeText(c).slice(p.length + 2)}`;
  if (p === "privileged" && c.after === true) return "the container becomes privileged (every capability, every device)";
  if (p === "readOnly" && c.after !== true) return "the root filesystem is no longer read-only";
  if (p === "user") return `the container's user changes: ${arrow(c.before, c.after)}`;
  return changeText(c);
}

function pinNote(ref: string): string {
  const v = pinVerdict(ref);
  const floor = versionFloorProblem(ref);
  return `${v.pinned ? "" : ` — ${v.reason}`}${floor ? ` — ${floor}` : ""}`;
}

function imageSentence(before: unknown, after: unknown): string {
  return `image ${arrow(before, after)}${typeof after === "string" ? pinNote(after) : ""}`;
}

function ruleRef(r: ShownResource, c: ShownChange): string {
  if (c.path[0] === "rules" && typeof c.path[1] === "number") {
    const rule = [r.after, r.before].map((x) => (isObj(x) && Array.isArray(x.rules) ? x.rules[c.path[1] as number] : undefined)).find(isObj);
    const field = pathText(c.path.slice(2)) || "rule";
    return `rule "${String(rule?.ref ?? rule?.description ?? c.path[1])}" ${field}: ${arrow(c.before, c.after)}`;
  }
  return changeText(c);
}

function edgeFindings(r: ShownResource): Finding[] {
  const i = r.after ?? r.before ?? {};
  const what = r.type.replace(/^cloudflare:index\/([^:]+):.*$/, "$1");
  if (r.op !== "update") {
    const detail = r.type === "cloudflare:index/zoneSetting:ZoneSetting" ? ` ${String(i.settingId)} = ${show(i.value)}` : r.type === "cloudflare:index/ruleset:Ruleset" ? ` ${String(i.phase)} (${list(i.rules).length} rules)` : "";
    return [{ category: "edge", sentence: `${r.op === "create" ? "adds" : "removes"} ${what}${detail}` }];
  }
  return r.changes.map((c) => {
    if (r.type === "cloudflare:index/zoneSetting:ZoneSetting" && c.path[0] === "value") return { category: "edge" as const, sentence: `zone setting ${String(i.settingId)}: ${arrow(c.before, c.after)}` };
    if (r.type === "cloudflare:index/ruleset:Ruleset") return { category: "edge" as const, sentence: `${String(i.phase)} ${ruleRef(r, c)}` };
    return { category: "edge" as const, sentence: `${what} ${changeText(c)}` };
  });
}

function dnsFindings(r: ShownResource): Finding[] {
  const i = r.after ?? r.before ?? {};
  const name = String(i.name ?? r.name);
  if (r.op === "create") return i.proxied === true ? [] : [{ category: "exposure", sentence: `new DNS-only record ${name} → ${show(i.content)}: the address is published, not proxied by Cloudflare` }];
  if (r.op === "delete") return [];
  return r.changes.flatMap((c): Finding[] => {
    if (c.path[0] === "proxied") {
      return [{ category: "exposure", sentence: c.after === true ? `DNS record ${name} becomes proxied by Cloudflare (was DNS-only)` : `DNS record ${name} becomes DNS-only: its origin address ${show(i.content)} is published and traffic bypasses Cloudflare` }];
    }
    if (c.path[0] === "content") return [{ category: "exposure", sentence: `DNS record ${name} points elsewhere: ${arrow(c.before, c.after)}` }];
    return [];
  });
}

function keyMaterialFindings(r: ShownResource): Finding[] {
  const what = r.type.replace(/^[^:]+:index\/([^:]+):.*$/, "$1");
  if (r.renamedFrom) return [{ category: "identity", sentence: `${what} is replaced under a new name (was ${r.renamedFrom}): the key material rotates` }];
  if (r.renamedTo) return [];
  if (r.op === "create") return [{ category: "identity", sentence: `new ${what}: new key material` }];
  if (r.op === "delete") return [{ category: "identity", sentence: `${what} is deleted: whatever used this key material loses it` }];
  return [{ category: "identity", sentence: `${what} is replaced (${r.changes.map(changeText).join("; ")}): the key material rotates` }];
}

function iamFindings(r: ShownResource): Finding[] {
  const what = r.type.replace(/^aws:iam\/([^:]+):.*$/, "$1");
  if (r.op !== "update") return [{ category: "identity", sentence: `${r.op === "create" ? "adds" : "removes"} IAM ${what}${r.renamedFrom ? ` (renamed from ${r.renamedFrom})` : ""}` }];
  return r.changes.map((c) => ({ category: "identity" as const, sentence: `IAM ${what} ${changeText(c)}` }));
}

function instanceFindings(r: ShownResource): Finding[] {
  const out = firewallFindings(r);
  for (const c of r.changes) {
    const top = c.path[0];
    if (top === "metadataOptions" || top === "iamInstanceProfile") out.push({ category: "identity", sentence: `instance ${changeText(c)}` });
    else if (top === "associatePublicIpAddress" || top === "vpcSecurityGroupIds" || top === "subnetId") out.push({ category: "exposure", sentence: `instance ${changeText(c)}` });
    else if (top === "ami") out.push({ category: "images", sentence: `instance AMI ${arrow(c.before, c.after)}` });
  }
  return out;
}

function sgFindings(r: ShownResource): Finding[] {
  if (SG_RULES.has(r.type)) {
    const i = r.after ?? r.before ?? {};
    const dir = isEgress(r, i) ? "egress" : "ingress";
    if (r.op === "create") return [{ category: "exposure", sentence: `opens ${dir} ${ruleText(i, dir === "egress")}` }];
    if (r.op === "delete") return [{ category: "exposure", sentence: `closes ${dir} ${ruleText(i, dir === "egress")}` }];
    return [{ category: "exposure", sentence: `${dir} rule now ${ruleText(r.after ?? {}, dir === "egress")} (was ${ruleText(r.before ?? {}, dir === "egress")})` }];
  }
  return r.changes.filter((c) => c.path[0] === "ingress" || c.path[0] === "egress").map((c) => ({ category: "exposure" as const, sentence: `inline ${changeText(c)}` }));
}

/** The security findings of one resource change, in the order the changes appear. */
export function classify(r: ShownResource): Finding[] {
  let found: Finding[] = [];
  if (SG_RULES.has(r.type) || SECURITY_GROUPS.has(r.type)) found = sgFindings(r);
  else if (r.type === "aws:ec2/managedPrefixList:ManagedPrefixList") found = r.op === "update" ? r.changes.map((c) => ({ category: "exposure" as const, sentence: `prefix list ${changeText(c)}` })) : [];
  else if (r.type === CONTAINER) found = containerFindings(r);
  else if (r.type === "docker:index/remoteImage:RemoteImage" || r.type === "docker:index/image:Image") {
    found = r.changes.filter((c) => c.path[0] === "name" || c.path[0] === "imageName").map((c) => ({ category: "images" as const, sentence: imageSentence(c.before, c.after) }));
  } else if (r.type === "cloudflare:index/dnsRecord:DnsRecord") found = dnsFindings(r);
  else if (KEY_MATERIAL.has(r.type)) found = keyMaterialFindings(r);
  else if (r.type.startsWith("aws:iam/")) found = iamFindings(r);
  else if (r.type === "aws:ec2/instance:Instance") found = instanceFindings(r);
  else if (r.type.startsWith("cloudflare:")) found = edgeFindings(r);
  else if (r.op === "update") found = firewallFindings(r);
  return found.map((f) => ({ ...f, urn: r.urn, name: r.name }));
}

export function riskRank(findings: readonly Finding[]): number {
  return Math.min(CATEGORIES.length, ...findings.map((f) => CATEGORIES.indexOf(f.category)));
}
