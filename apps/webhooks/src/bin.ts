#!/usr/bin/env node
import { exitCodeOf } from "@offerlab/core";
import { serveWebhooks } from "./main.js";

// `offerlab-webhooks [--pretty]`: the same server as `offerlab webhooks serve`.
serveWebhooks({ pretty: process.argv.includes("--pretty") || undefined }).catch((error: unknown) => {
  process.stderr.write(`offerlab webhooks: ${error instanceof Error ? error.message : String(error)}\n`);
  // A bad configuration exits 2, pending migrations or a busy database 1, …: core's one table.
  process.exitCode = exitCodeOf(error);
});
