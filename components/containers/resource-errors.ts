import * as pulumi from "@pulumi/pulumi";

/**
 * Runs pure argument checks on behalf of `resource`: their plain Errors become ResourceErrors, so the
 * engine reports a refusal against the resource it stopped (as pulumi-eks does) with the same message.
 */
export function checkedFor<T>(resource: pulumi.Resource, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (pulumi.ResourceError.isInstance(e) || !(e instanceof Error)) throw e;
    throw new pulumi.ResourceError(e.message, resource);
  }
}
