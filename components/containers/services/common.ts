import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SECRETS_DIR } from "../container-args";

/** Where each service's plain config files live inside its container. */
export const configDir = (service: string) => `/etc/${service}`;

/** Secret file path inside a container (where HardenedContainer puts a SecretFile without a path). */
export const secretPath = (name: string) => `${SECRETS_DIR}/${name}`;

/**
 * A generated secret: letters and digits only, because several consumers choke on special characters
 * (coturn's config parser on quotes, Redis ACL lines on spaces, URLs on '@' and '/'). 48 characters of
 * a 62-letter alphabet is ~285 bits.
 */
export function generatedSecret(name: string, parent: pulumi.Resource, length = 48): pulumi.Output<string> {
  if (length < 32) throw new pulumi.ResourceError(`${name}: generated secrets are at least 32 characters`, parent);
  const password = new random.RandomPassword(name, { length, special: false, minLower: 4, minUpper: 4, minNumeric: 4 }, { parent });
  return pulumi.secret(password.result);
}

/** `value` if given (secret config), otherwise a generated secret. The result is always secret. */
export function secretOrGenerated(value: pulumi.Input<string> | undefined, name: string, parent: pulumi.Resource): pulumi.Output<string> {
  return value === undefined ? generatedSecret(name, parent) : pulumi.secret(value);
}
