// Parses every DMN file named on the command line with dmn-moddle (the
// bpmn.io DMN 1.3 model): an unknown element or attribute, a broken
// reference or a missing namespace is a failure, as it would be for a
// standard DMN tool. Exit code 1 on any problem.
import { readFile } from "node:fs/promises";
import { DmnModdle } from "dmn-moddle";

const moddle = new DmnModdle();
let problems = 0;
for (const file of process.argv.slice(2)) {
  try {
    const { warnings } = await moddle.fromXML(await readFile(file, "utf8"), "dmn:Definitions");
    for (const warning of warnings) {
      console.log(`${file}: ${warning.message}`);
      problems += 1;
    }
    if (!warnings.length) console.log(`${file}: ok`);
  } catch (error) {
    console.log(`${file}: ${error.message}`);
    problems += 1;
  }
}
process.exit(problems ? 1 : 0);
