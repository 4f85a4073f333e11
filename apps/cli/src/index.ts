export { buildProgram, run, VERSION } from "./cli.js";
export type { Io } from "./output.js";
