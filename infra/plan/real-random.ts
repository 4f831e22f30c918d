import { randomBytes } from "node:crypto";
import type { Computed } from "./mocks";

// Letters and digits only: the value must stay valid in every config syntax the services read.
const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

const alphanumeric = (length: number) => Array.from(randomBytes(length), (b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join("");

const lengthOf = (inputs: Record<string, unknown>, key: string, fallback: number) => (typeof inputs[key] === "number" ? (inputs[key] as number) : fallback);

/**
 * Real random values for @pulumi/random's resources, for declarations that are run on an engine: a
 * container started with a value derived from its name would share it with every other run.
 */
export const REAL_RANDOM: Record<string, Computed> = {
  "random:index/randomPassword:RandomPassword": (_name, inputs) => ({ result: alphanumeric(lengthOf(inputs, "length", 32)) }),
  "random:index/randomString:RandomString": (_name, inputs) => ({ result: alphanumeric(lengthOf(inputs, "length", 32)) }),
  "random:index/randomBytes:RandomBytes": (_name, inputs) => {
    const bytes = randomBytes(lengthOf(inputs, "length", 32));
    return { base64: bytes.toString("base64"), hex: bytes.toString("hex") };
  },
  "random:index/randomId:RandomId": (_name, inputs) => {
    const bytes = randomBytes(lengthOf(inputs, "byteLength", 16));
    return { hex: bytes.toString("hex"), b64Url: bytes.toString("base64url"), b64Std: bytes.toString("base64") };
  },
};
