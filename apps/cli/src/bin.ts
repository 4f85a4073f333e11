#!/usr/bin/env node
import { run } from "./cli.js";
import { endQuietlyOnClosedStdout } from "./output.js";

endQuietlyOnClosedStdout();
process.exitCode = await run(process.argv);
