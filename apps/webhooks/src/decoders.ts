/**
 * How stored webhook payloads become provider events, per provider: the vendor package's parser
 * and normaliser. The inbox worker (here, and the cron's inbox job) decodes with these.
 */
import { parseUnipileWebhook, toProviderEvent } from "@offerlab/provider-unipile";
import type { ProviderEventDecoder } from "@offerlab/scheduler";

/** Unipile: its zod parser, then the direction rule (our own messages echoed back are never replies). */
export const decodeUnipile: ProviderEventDecoder = (payload, context) => toProviderEvent(parseUnipileWebhook(payload), context);

/** Every provider the server has a route for. */
export const webhookDecoders: Record<string, ProviderEventDecoder> = { unipile: decodeUnipile };
