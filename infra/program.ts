import type * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./config";
import { deployAws } from "./aws";
import { deployAwsScale } from "./aws-scale";
import { deployLocal } from "./local";

/**
 * The Rampart program. Configuration is validated before anything is declared: an invalid stack fails
 * with every problem named, and nothing is half-applied.
 */
export async function rampart(): Promise<Record<string, pulumi.Input<unknown>>> {
  const config = loadConfig();
  switch (config.target) {
    case "aws":
      return deployAws(config);
    case "aws-scale":
      return deployAwsScale(config);
    case "local":
      return deployLocal(config);
  }
}
