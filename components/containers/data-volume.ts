import * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import { dataResourceOptions } from "../protection";

/**
 * A named Docker volume that holds a service's data: protected and retained unless the stack allows
 * data deletion (components/protection). It outlives every container that mounts it: a replaced
 * container mounts the same volume by name, and a destroy leaves it on the host.
 */
export function declareDataVolume(
  resourceName: string,
  args: { volumeName: pulumi.Input<string>; service: string; allowDataDeletion: boolean | undefined },
  parent: pulumi.Resource,
): docker.Volume {
  return new docker.Volume(
    resourceName,
    // The labels stay what they were before protection existed: the Docker provider replaces a volume whose
    // labels change, and an unprotected volume of an existing stack must not be replaced on the way.
    { name: args.volumeName, labels: [{ label: "rampart.service", value: args.service }] },
    { parent, ...dataResourceOptions("kept", args.allowDataDeletion) },
  );
}
