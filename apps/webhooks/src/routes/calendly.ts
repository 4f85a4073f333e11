/**
 * `POST /webhooks/calendly`: Calendly's `invitee.created` and `invitee.canceled` (other events are
 * answered 200 and ignored), signed with `Calendly-Webhook-Signature: t=<unix>,v1=<hex>` keyed
 * with the subscription's signing key (OFFERLAB_CALENDLY_SIGNING_KEY).
 */
import { CALENDLY_SIGNATURE_HEADER } from "@offerlab/core";
import type { Hono } from "hono";
import { bookingRoute, type BookingRouteOptions } from "./booking-route.js";

export function calendlyRoute(options: BookingRouteOptions): Hono {
  return bookingRoute(
    {
      source: "calendly",
      name: "Calendly",
      header: CALENDLY_SIGNATURE_HEADER,
      envVar: "OFFERLAB_CALENDLY_SIGNING_KEY",
      secret: (config) => config.calendlySigningKey,
    },
    options,
  );
}
