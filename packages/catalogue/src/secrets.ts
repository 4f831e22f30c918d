/**
 * How secrets are recognised and masked, one definition for the container component (which refuses
 * them), the policy pack (which reports them) and the offline plan (which masks them).
 */

/** What the offline plan and `pulumi preview --json` write in place of a secret value. */
export const SECRET_MASK = "[secret]";
/** What the offline plan writes for a value unknown until deployment (an output of another resource). */
export const UNKNOWN_VALUE = "[unknown]";

/** Environment variable names that say they carry a secret. */
const SECRET_NAME = /(SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH_?KEY)/i;
/** A variable that names where a secret file is, not the secret. */
const FILE_REFERENCE = /_(FILE|PATH|DIR)$/i;

/**
 * Names that look secret but are public identifiers. LiveKit's API key is the public half of its key
 * pair: it is the `iss` of every access token (https://docs.livekit.io/home/get-started/authentication/).
 */
export const PUBLIC_SECRET_LOOKING_NAMES: readonly string[] = ["LIVEKIT_API_KEY"];

/** True when an environment variable of this name would carry a secret value. */
export function isSecretLookingName(name: string, publicNames: readonly string[] = PUBLIC_SECRET_LOOKING_NAMES): boolean {
  return SECRET_NAME.test(name) && !FILE_REFERENCE.test(name) && !publicNames.includes(name);
}

/** Values that are credentials whatever their name. */
const SECRET_VALUES: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  { what: "a private key", pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/ },
  { what: "an AWS access key id", pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/ },
  { what: "credentials inside a URL", pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@/i },
];

/** What a value is when it holds a credential ("a private key", …), or undefined. */
export function secretValueKind(value: string): string | undefined {
  return SECRET_VALUES.find((s) => s.pattern.test(value))?.what;
}
