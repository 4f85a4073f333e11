#!/usr/bin/env node
import { loadCronConfig } from "./config.js";

// The jobs arrive with the runner; until then the bin only validates its configuration.
try {
  const config = loadCronConfig();
  process.stdout.write(`offerlab cron: configuration ok (schedule "${config.schedule}")\n`);
} catch (error) {
  process.stderr.write(`offerlab cron: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
