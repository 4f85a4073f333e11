/**
 * `POST /webhooks/calcom`: Cal.com's booking webhooks (BOOKING_CREATED, BOOKING_RESCHEDULED,
 * BOOKING_CANCELLED; other triggers such as PING are answered 200 and ignored), signed with
 * `X-Cal-Signature-256` (hex HMAC-SHA256 of the raw body, keyed with OFFERLAB_CALCOM_WEBHOOK_SECRET).
 */
import { CALCOM_SIGNATURE_HEADER } from "@offerlab/core";
import type { Hono } from "hono";
import { bookingRoute, type BookingRouteOptions } from "./booking-route.js";

export function calcomRoute(options: BookingRouteOptions): Hono {
  return bookingRoute(
    {
      source: "cal_com",
      name: "Cal.com",
      header: CALCOM_SIGNATURE_HEADER,
      envVar: "OFFERLAB_CALCOM_WEBHOOK_SECRET",
      secret: (config) => config.calcomSecret,
    },
    options,
  );
}
