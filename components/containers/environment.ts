/**
 * Container environment without secrets (docs/container-baseline.md): environment values show up in `docker inspect`, in
 * /proc/<pid>/environ, in crash dumps and in Pulumi state. Secrets go in files under /run/secrets and the
 * service is told the path through a `*_FILE` variable.
 */
import * as pulumi from "@pulumi/pulumi";
import { isSecretLookingName, secretValueKind } from "@rampart/catalogue";

const VALID_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Throws when a variable name says it carries a secret (a `*_FILE` path is fine). */
export function assertNotSecretName(name: string, service: string): void {
  if (!VALID_NAME.test(name)) {
    throw new Error(`${service}: environment variable name "${name}" is not a valid name`);
  }
  if (isSecretLookingName(name)) {
    throw new Error(
      `${service}: environment variable ${name} looks like a secret; secrets are never environment values. ` +
        `Mount it as a secret file and pass its path in ${name}_FILE`,
    );
  }
}

/**
 * `NAME=value` pairs for docker.Container `envs`. A value that is a Pulumi secret fails the deployment
 * (it would be written into the container's config in plain text).
 */
export function containerEnvs(env: Record<string, pulumi.Input<string>>, service: string): pulumi.Output<string[]> {
  const names = Object.keys(env).sort();
  for (const name of names) assertNotSecretName(name, service);
  const pairs = names.map((name) => {
    const value = pulumi.output(env[name] as pulumi.Input<string>);
    const secretness = pulumi.output(pulumi.isSecret(value));
    return pulumi.all([value, secretness]).apply(([v, isSecret]) => {
      if (isSecret) {
        throw new Error(`${service}: environment variable ${name} holds a secret value; mount it as a secret file`);
      }
      const credential = secretValueKind(v);
      if (credential) {
        // The value is never echoed: it is the credential.
        throw new Error(`${service}: environment variable ${name} holds ${credential}; mount it as a secret file`);
      }
      return `${name}=${v}`;
    });
  });
  return pulumi.all(pairs);
}
