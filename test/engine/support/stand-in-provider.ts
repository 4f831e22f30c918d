/**
 * STAND-IN resource provider for the engine suite (test/engine). It is NOT the real docker, aws,
 * cloudflare, random, tls, command or acme provider: those plugins cannot be downloaded here. The real
 * Pulumi CLI runs it as an ambient plugin (`pulumi-resource-<name>` on PATH, see ./stand-in-bin.ts), one
 * process per provider package, the package's name as its first argument:
 *
 *   node stand-in-provider.cjs <package> <engine address>
 *
 * What it answers comes from the offline plan, so there is one source of made-up cloud answers:
 * - create: the inputs echoed as outputs, plus the computed outputs infra/plan/mocks.ts gives per type
 *   (ids, ARNs, IPs, PEMs, passwords), called through the mock runtime's MockResourceArgs shape;
 * - invoke: infra/plan/fixtures.ts through the mocks' MockCallArgs shape (availability zones, Cloudflare
 *   ranges, the AMI lookup, …); a function without a fixture fails as it does in the offline plan;
 * - check: autonames what the real AWS provider autonames (`name` = resource name + suffix, kept across
 *   updates), deterministic (a hash of the URN) so a second `up` shows no change;
 * - diff: old INPUTS (kept in the outputs under `__inputs`: the engine hands diff the old outputs) against
 *   the new inputs, deep-equal per property; a change is an update, except for the few properties
 *   FORCE_NEW lists (the real providers replace on them), which make it a replacement;
 * - outputs the real schemas mark secret are returned secret (the SDKs' additionalSecretOutputs do too).
 * Nothing is created anywhere: delete and read only answer. With RAMPART_STAND_IN_RECORD set, every
 * create, update and delete is appended to that file as a JSON line ({ op, urn, id }): the record of what
 * the engine asked a provider to do, which the state alone cannot show (a retained resource leaves the
 * state without a delete).
 */
import { createHash } from "node:crypto";
import { appendFileSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { main, type Provider } from "@pulumi/pulumi/provider";
import { planMocks } from "../../../infra/plan/mocks";

// Pulumi's wire markers, as the provider server hands them over with secrets accepted.
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** Where the stand-in keeps the inputs a resource was created or updated with. */
const INPUTS_KEY = "__inputs";

/** npm package of each provider the program uses: the stand-in reports that package's version. */
const NPM_PACKAGE: Record<string, string> = {
  aws: "@pulumi/aws",
  cloudflare: "@pulumi/cloudflare",
  command: "@pulumi/command",
  docker: "@pulumi/docker",
  random: "@pulumi/random",
  tls: "@pulumi/tls",
  acme: "@pulumiverse/acme",
};

/** Types whose `name` the real AWS provider fills from the resource name plus a random suffix. */
const AUTONAMED = new Set([
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:iam/role:Role",
  "aws:iam/instanceProfile:InstanceProfile",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:ec2/managedPrefixList:ManagedPrefixList",
]);

/**
 * Properties whose change makes the real provider replace the resource (ForceNew in its schema), for the
 * resources the suite replaces on purpose. A Docker volume cannot be changed at all; a container's image
 * cannot be changed in place. Everything else stays an update here.
 */
const FORCE_NEW: Record<string, { properties: readonly string[]; deleteBeforeReplace?: boolean }> = {
  "docker:index/volume:Volume": { properties: ["name", "driver", "driverOpts", "labels"] },
  // A container keeps its fixed name: the old one must go before the new one can take it.
  "docker:index/container:Container": { properties: ["image"], deleteBeforeReplace: true },
};

/** Appends what the engine asked for to RAMPART_STAND_IN_RECORD, when set. */
function record(op: "create" | "update" | "delete", urn: string, id: string): void {
  const file = process.env.RAMPART_STAND_IN_RECORD;
  if (file) appendFileSync(file, JSON.stringify({ op, urn, id }) + "\n");
}

/**
 * The id of a replacement: the first create of `urn` in the record keeps the mocks' id; a later one (a
 * replacement, or a create after a destroy) gets a new id of the same shape (`vol-<hex>` stays one, as
 * cloud-init checks it), else the id with "-r<n>".
 */
function replacementId(urn: string, id: string): string {
  const n = earlierCreates(urn);
  if (n === 0) return id;
  const shaped = /^([a-z]+-)([0-9a-f]+)$/.exec(id);
  if (shaped) return `${shaped[1]}${createHash("sha256").update(`${id}#${n}`).digest("hex").slice(0, shaped[2]!.length)}`;
  return `${id}-r${n}`;
}

/** How many creates of `urn` the record holds already. */
function earlierCreates(urn: string): number {
  const file = process.env.RAMPART_STAND_IN_RECORD;
  if (!file) return 0;
  let earlier = 0;
  try {
    for (const line of readFileSync(file, "utf8").split("\n").filter(Boolean)) {
      const step = JSON.parse(line) as { op: string; urn: string };
      if (step.op === "create" && step.urn === urn) earlier++;
    }
  } catch {
    /* no record yet */
  }
  return earlier;
}

/** Outputs the real providers' schemas mark secret (what the SDKs list as additionalSecretOutputs). */
const SECRET_OUTPUTS: Record<string, readonly string[]> = {
  "random:index/randomPassword:RandomPassword": ["result", "bcryptHash"],
  "random:index/randomBytes:RandomBytes": ["base64", "hex"],
  "tls:index/privateKey:PrivateKey": ["privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"],
  "acme:index/certificate:Certificate": ["privateKeyPem", "certificateP12", "certificateP12Password", "accountKeyPem"],
};

type Props = Record<string, unknown>;

const isObj = (v: unknown): v is Props => typeof v === "object" && v !== null && !Array.isArray(v);
const isSecret = (v: unknown): v is { value: unknown } => isObj(v) && v[SIG_KEY] === SECRET_SIG;
const secret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });

/** Wire values with every secret unwrapped, for the mocks' computations (length, …). */
function reveal(v: unknown): unknown {
  if (isSecret(v)) return reveal(v.value);
  if (Array.isArray(v)) return v.map(reveal);
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
  return v;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

const typeOf = (urn: string) => urn.split("::")[2]!.split("$").pop()!;
const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);
const suffix = (urn: string) => createHash("sha256").update(urn).digest("hex").slice(0, 7);

function versionOf(pkg: string): string {
  const npm = NPM_PACKAGE[pkg];
  if (!npm) throw new Error(`stand-in provider: unknown package "${pkg}" (known: ${Object.keys(NPM_PACKAGE).join(", ")})`);
  // The package's main entry resolves everywhere; its package.json may not be exported.
  let dir = dirname(require.resolve(npm));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version: string };
      if (manifest.name === npm) return manifest.version;
    } catch {
      /* keep walking up */
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`stand-in provider: no package.json for ${npm}`);
    dir = up;
  }
}

export function standInProvider(pkg: string): Provider {
  const mocks = planMocks();

  /** Outputs: the inputs as given (secrets stay wrapped), the mock's computed values, the inputs kept. */
  function outputsOf(urn: string, inputs: Props, computed: Props): Props {
    const type = typeOf(urn);
    const secretKeys = new Set(SECRET_OUTPUTS[type] ?? []);
    const outs: Props = { ...inputs };
    for (const [k, v] of Object.entries(computed)) {
      if (k in inputs || k === INPUTS_KEY) continue;
      outs[k] = secretKeys.has(k) && !isSecret(v) ? secret(v) : v;
    }
    outs[INPUTS_KEY] = inputs;
    return outs;
  }

  return {
    version: versionOf(pkg),

    async check(urn, olds: Props, news: Props) {
      const type = typeOf(urn);
      if (AUTONAMED.has(type) && news.name === undefined && news.namePrefix === undefined) {
        const old = isObj(olds) ? olds.name : undefined;
        return { inputs: { ...news, name: typeof old === "string" ? old : `${nameOf(urn)}-${suffix(urn)}` } };
      }
      return { inputs: news };
    },

    async diff(_id, urn, olds: Props, news: Props) {
      const oldInputs = isObj(olds[INPUTS_KEY]) ? (olds[INPUTS_KEY] as Props) : {};
      const keys = new Set([...Object.keys(oldInputs), ...Object.keys(news)]);
      const diffs = [...keys].filter((k) => !deepEqual(oldInputs[k], news[k])).sort();
      const forceNew = FORCE_NEW[typeOf(urn)];
      const replaces = diffs.filter((k) => forceNew?.properties.includes(k));
      // The Node provider server passes on `changes`, `replaces` and `deleteBeforeReplace`; the engine
      // works out the changed properties itself for `--diff`.
      return {
        changes: diffs.length > 0,
        ...(replaces.length ? { replaces, ...(forceNew?.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}) } : {}),
      };
    },

    async create(urn, inputs: Props) {
      const type = typeOf(urn);
      const args: pulumi.runtime.MockResourceArgs = { type, name: nameOf(urn), inputs: reveal(inputs) as Props, custom: true };
      const { id, state } = await mocks.newResource(args);
      // The mocks give every resource an ARN; only AWS resources have one.
      if (!type.startsWith("aws:")) delete state.arn;
      // A replacement is a second resource: it gets an id of its own, as with a real provider.
      const created = replacementId(urn, id ?? `${nameOf(urn)}-id`);
      record("create", urn, created);
      return { id: created, outs: outputsOf(urn, inputs, state) };
    },

    async update(id, urn, olds: Props, news: Props) {
      record("update", urn, id);
      // Computed values (ids, addresses, generated secrets) stay what they were; the inputs are the new ones.
      const oldInputs = isObj(olds[INPUTS_KEY]) ? (olds[INPUTS_KEY] as Props) : {};
      const computed = Object.fromEntries(Object.entries(olds).filter(([k]) => !(k in oldInputs)));
      return { outs: outputsOf(urn, news, computed) };
    },

    async read(id, _urn, props?: Props) {
      return { id, props: props ?? {}, ...(props && isObj(props[INPUTS_KEY]) ? { inputs: props[INPUTS_KEY] } : {}) };
    },

    async delete(id, urn) {
      // Nothing was created anywhere: the record is all there is to delete.
      record("delete", urn, id);
    },

    async invoke(token, inputs: Props) {
      const args: pulumi.runtime.MockCallArgs = { token, inputs: reveal(inputs) as Props, provider: "" };
      return { outputs: await mocks.call(args) };
    },
  };
}

if (require.main === module) {
  const [pkg, ...rest] = process.argv.slice(2);
  if (!pkg) {
    process.stderr.write("usage: stand-in-provider <package> <engine address>\n");
    process.exit(2);
  }
  void main(standInProvider(pkg), rest);
}
