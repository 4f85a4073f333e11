/**
 * Unipile as data: what the apps' one list of vendors needs to wire it (see
 * `@offerlab/provider-kit`'s `defineVendor` and docs/contributing/add-a-vendor.md).
 */
import { defineVendor } from "@offerlab/provider-kit";
import { createUnipile, UNIPILE_TOOL } from "./unipile-provider.js";

export const unipileVendor = defineVendor({
  name: "unipile",
  title: "Unipile",
  summary: "sending from LinkedIn and email accounts, inbox, reconciliation of uncertain sends",
  env: [
    { name: "UNIPILE_API_KEY", option: "apiKey", required: true, description: "Access token: the real adapter runs only when it is set." },
    {
      name: "UNIPILE_DSN",
      option: "dsn",
      required: { or: "UNIPILE_BASE_URL" },
      description: "Your DSN, e.g. api8.unipile.com:13851 (or UNIPILE_BASE_URL for a full base URL, which wins).",
    },
    {
      name: "UNIPILE_BASE_URL",
      option: "baseUrl",
      required: false,
      description: "Full API base URL including /api/v1 (a proxy); wins over UNIPILE_DSN.",
    },
  ],
  capabilities: ["accountDirectory", "linkedInSender", "emailSender", "inbox", "sendReconciler"],
  tools: [UNIPILE_TOOL],
  create: createUnipile,
  simulated: "unipile",
});
