#!/usr/bin/env node
// Runs the built app (dist/bin.js). From a checkout without a build: `pnpm offerlab webhooks …`.
import "../dist/bin.js";
