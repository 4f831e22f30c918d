import type * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import type { DataVolume } from "./container-args";

export function volumeMount(source: pulumi.Input<string>, target: string, o: { noCopy: boolean; readOnly: boolean }): docker.types.input.ContainerMount {
  return { type: "volume", source, target, readOnly: o.readOnly, volumeOptions: { noCopy: o.noCopy } };
}

/**
 * A declared data volume, read-write. The seed mounts a volume that receives files exactly as the service
 * does, so the engine seeds it from the image (`copyImageContent`) when the seed is created, before the
 * uploads land on it.
 */
export function dataVolumeMount(v: DataVolume): docker.types.input.ContainerMount {
  return volumeMount(v.name, v.target, { noCopy: !(v.copyImageContent ?? false), readOnly: false });
}

/** A declared data volume as the service mounts it: read-write unless declared read-only. */
export function serviceVolumeMount(v: DataVolume): docker.types.input.ContainerMount {
  return volumeMount(v.name, v.target, { noCopy: !(v.copyImageContent ?? false), readOnly: v.readOnly ?? false });
}
