import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderProjectFile } from "../../infra/config/project-file";

writeFileSync(join(__dirname, "..", "..", "Pulumi.yaml"), renderProjectFile());
console.log("wrote Pulumi.yaml");
