/**
 * Development access tokens: `npm run -s token -w gateway -- --sub alice --rooms demo[,other|*] [--ttl 3600]`.
 * Signs with JWT_SECRET (HS256) or, with --private-key <pem file>, RS256/ES256/EdDSA. Prints the JWT.
 * `--help` prints the usage.
 */
import { readFileSync } from "node:fs";
import { createPrivateKey, type KeyObject } from "node:crypto";
import { SignJWT } from "jose";
import { defineCommand } from "../cli.js";
import { MIN_SECRET_BYTES, readSecret } from "../config.js";
import { roomName } from "../ws/protocol.js";

const MAX_TTL_SECONDS = 86_400;

const command = defineCommand({
  name: "token",
  summary: "mint a development access token (JWT) the gateway accepts, and print it.",
  usage: "npm run -s token -w gateway -- --sub <user> [options]",
  options: {
    sub: { value: "user", description: "user id, the token's sub (required)" },
    rooms: { value: "a,b|*", description: "comma-separated rooms the token grants, * for every room (none when omitted)", default: "" },
    ttl: { value: "seconds", description: `lifetime, 1-${MAX_TTL_SECONDS}`, default: "3600" },
    iss: { value: "issuer", description: "iss claim", env: "JWT_ISSUER" },
    aud: { value: "audience", description: "aud claim", env: "JWT_AUDIENCE" },
    "private-key": { value: "file.pem", description: "sign with this PEM private key (RSA: RS256, P-256: ES256, Ed25519: EdDSA) instead of JWT_SECRET" },
  },
  sections: [{ title: "Environment", rows: [["JWT_SECRET[_FILE]", `HS256 secret, at least ${MIN_SECRET_BYTES} bytes; used unless --private-key is given`]] }],
  examples: [
    'export JWT_SECRET="$(openssl rand -base64 48)"',
    "npm run -s token -w gateway -- --sub alice --rooms demo,ops --ttl 600",
  ],
});

const values = command.parse();
const sub = values.sub || command.fail("--sub is required: the user id the token is for");
const ttl = Number(values.ttl);
if (!/^\d+$/.test(values.ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS) {
  command.fail(`--ttl must be a whole number of seconds from 1 to ${MAX_TTL_SECONDS} (got ${JSON.stringify(values.ttl)})`);
}
const rooms = values.rooms.split(",").map((r) => r.trim()).filter(Boolean);
for (const room of rooms) {
  if (room !== "*" && !roomName.safeParse(room).success) {
    command.fail(`--rooms: ${JSON.stringify(room)} is not a room name (1-128 of A-Za-z0-9_.:-), nor *`);
  }
}

const ALGORITHMS: Readonly<Record<string, string>> = { rsa: "RS256", ec: "ES256", ed25519: "EdDSA" };

function privateKey(file: string): { key: KeyObject; alg: string } {
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch (err) {
    return command.fail(`--private-key: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    return command.fail(`--private-key: ${file} is not a PEM private key`);
  }
  const alg = ALGORITHMS[key.asymmetricKeyType ?? ""] ?? command.fail(`--private-key: unsupported key type "${key.asymmetricKeyType ?? "unknown"}" (use RSA, P-256 or Ed25519)`);
  return { key, alg };
}

function sharedSecret(): { key: Uint8Array; alg: string } {
  const read = readSecret(process.env, "JWT_SECRET");
  if ("problem" in read) return command.fail(read.problem);
  const secret = read.value ?? command.fail("JWT_SECRET (or JWT_SECRET_FILE) must be set, or pass --private-key");
  const key = new TextEncoder().encode(secret);
  if (key.length < MIN_SECRET_BYTES) command.fail(`JWT_SECRET is too weak: at least ${MIN_SECRET_BYTES} bytes required (e.g. openssl rand -base64 48)`);
  return { key, alg: "HS256" };
}

const { key, alg } = values["private-key"] ? privateKey(values["private-key"]) : sharedSecret();
let jwt = new SignJWT({ rooms }).setProtectedHeader({ alg, typ: "JWT" }).setSubject(sub).setIssuedAt().setExpirationTime(`${ttl}s`);
if (values.iss) jwt = jwt.setIssuer(values.iss);
if (values.aud) jwt = jwt.setAudience(values.aud);
process.stdout.write(`${await jwt.sign(key)}\n`);
