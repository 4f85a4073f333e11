#!/usr/bin/env node
import { ConfigError } from "./config.js";
import { serveWebhooks } from "./main.js";

// `offerlab-webhooks [--pretty]`: the same server as `offerlab webhooks serve`.
serveWebhooks({ pretty: process.argv.includes("--pretty") || undefined }).catch((error: unknown) => {
  process.stderr.write(`offerlab webhooks: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = error instanceof ConfigError ? 2 : 1;
});
