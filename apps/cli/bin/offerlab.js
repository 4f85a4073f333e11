#!/usr/bin/env node
// Runs the built CLI (dist/bin.js). From a checkout without a build, use `pnpm offerlab …`.
import "../dist/bin.js";
