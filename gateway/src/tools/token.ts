/**
 * Development access tokens: `npm run token -w gateway -- --sub alice --rooms demo[,other|*] [--ttl 3600]`.
 * Signs with JWT_SECRET (HS256) or, with --private-key <pem file>, RS256/ES256/EdDSA. Prints the JWT.
 */
import { readFileSync } from "node:fs";
import { createPrivateKey } from "node:crypto";
import { parseArgs } from "node:util";
import { SignJWT } from "jose";
import { fail, secretFromEnv } from "./secret-env.js";

const { values } = parseArgs({
  options: {
    sub: { type: "string" },
    rooms: { type: "string", default: "" },
    ttl: { type: "string", default: "3600" },
    iss: { type: "string", default: process.env.JWT_ISSUER },
    aud: { type: "string", default: process.env.JWT_AUDIENCE },
    "private-key": { type: "string" },
  },
});

if (!values.sub) fail("usage: token --sub <user> [--rooms a,b|*] [--ttl seconds] [--iss ..] [--aud ..] [--private-key file.pem]");
const ttl = Number(values.ttl);
if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86_400) fail("--ttl must be 1..86400 seconds");
const rooms = values.rooms.split(",").map((r) => r.trim()).filter(Boolean);

let key: Uint8Array | ReturnType<typeof createPrivateKey>;
let alg: string;
if (values["private-key"]) {
  key = createPrivateKey(readFileSync(values["private-key"], "utf8"));
  const algorithms: Record<string, string> = { rsa: "RS256", ec: "ES256", ed25519: "EdDSA" };
  alg = algorithms[key.asymmetricKeyType ?? ""] ?? fail("unsupported private key type");
} else {
  const secret = secretFromEnv("JWT_SECRET") ?? fail("JWT_SECRET (or JWT_SECRET_FILE) must be set, or pass --private-key");
  if (Buffer.byteLength(secret) < 32) fail("JWT_SECRET is too weak: at least 32 bytes required");
  key = new TextEncoder().encode(secret);
  alg = "HS256";
}

let jwt = new SignJWT({ rooms }).setProtectedHeader({ alg, typ: "JWT" }).setSubject(values.sub).setIssuedAt().setExpirationTime(`${ttl}s`);
if (values.iss) jwt = jwt.setIssuer(values.iss);
if (values.aud) jwt = jwt.setAudience(values.aud);
process.stdout.write(`${await jwt.sign(key)}\n`);
