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

/** Values that are credentials whatever their name: judged by shape. */
const SECRET_VALUES: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  { what: "a private key", pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/ },
  { what: "an AWS access key id", pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/ },
  { what: "credentials inside a URL", pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@/i },
  // ADO.NET / ODBC / JDBC connection strings: "Server=db;User Id=sa;Password=...;"
  { what: "a password inside a connection string", pattern: /(?:^|;)\s*(?:password|pwd)\s*=\s*[^;\s$][^;]*/i },
  { what: "a GitHub token", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b/ },
  { what: "a GitLab token", pattern: /\bglpat-[A-Za-z0-9_-]{20,}\b/ },
  { what: "a Slack token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/ },
  { what: "a Stripe secret key", pattern: /\b[sr]k_live_[A-Za-z0-9]{16,}\b/ },
  { what: "a Google API key", pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
];

/** What a value is when it holds a credential ("a private key", …), or undefined. */
export function secretValueKind(value: string): string | undefined {
  return SECRET_VALUES.find((s) => s.pattern.test(value))?.what;
}

/**
 * An assignment of a literal to a secret-looking name in a script or cloud-config: `DB_PASSWORD=x`,
 * `export API_TOKEN="x"`, `password: x`, `aws_secret_access_key = x`, `--password=x`. A reference
 * (`$VAR`, `${VAR}`, `$(cmd)`), a `*_FILE`/`*_PATH` name, a boolean and a crypt hash (`$6$…`) are not
 * secrets.
 */
const ASSIGNMENT =
  /(?:^|[\s;&|('"{,])-{0,2}((?:[A-Za-z_][A-Za-z0-9_.-]*?)?(?:secret|password|passwd|passphrase|token|api[_-]?key|private[_-]?key|access[_-]?key|credential)[A-Za-z0-9_.-]*)['"]?\s*(?:[=:]|\s(?=['"]))\s*(['"]?)([^\s'"]+)\2/gi;
const NOT_A_VALUE = /^(?:true|false|yes|no|null|none|~|[|>{[(-])$/i;

/** One secret found in a text (user data, cloud-init): what it is and on which line, never the value. */
export interface SecretFinding {
  readonly what: string;
  readonly line: number;
}

/** Secrets in a script or cloud-config, by value shape and by assignments to secret-looking names. */
export function secretsInText(text: string): SecretFinding[] {
  const out: SecretFinding[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const kind = secretValueKind(line);
    if (kind) {
      out.push({ what: kind, line: i + 1 });
      return;
    }
    for (const m of line.matchAll(ASSIGNMENT)) {
      const name = m[1] ?? "";
      const value = m[3] ?? "";
      if (FILE_REFERENCE.test(name) || /(?:^|_)(?:lock|expire)_?passwd$|pwauth$/i.test(name) || NOT_A_VALUE.test(value) || value.startsWith("$")) continue;
      out.push({ what: `a literal value for ${name}`, line: i + 1 });
      return;
    }
  });
  return out;
}
