#!/usr/bin/env node
import { loadWebhookConfig } from "./config.js";

// The server itself arrives with the route module; until then the bin only validates its configuration.
try {
  const config = loadWebhookConfig();
  process.stdout.write(`offerlab webhooks: configuration ok (port ${config.port}, header ${config.secretHeader})\n`);
} catch (error) {
  process.stderr.write(`offerlab webhooks: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
