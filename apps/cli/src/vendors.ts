/**
 * The one list of vendors. Everything that needs to know the vendors reads it: the providers a
 * command gets (`providers.ts`: real adapters from each descriptor's env variables, or the
 * sandbox's simulated counterparts), the capability map the pipeline commands choose vendors
 * from (`CAPABLE`), and the vendor part of `offerlab init`'s `.env.example`. `vendors.test.ts`
 * checks each entry against the sandbox (a simulated counterpart) and the migrations (its
 * `tools` rows). Adding a vendor: docs/contributing/add-a-vendor.md.
 *
 * It lives in the app because only apps (and the sandbox) may import vendor packages; the
 * pipeline gets the capability map and the adapters as data.
 */
import { OfferlabError } from "@offerlab/core";
import type { CapabilityMap, PipelineCapability } from "@offerlab/pipeline";
import { pipelineCapabilities } from "@offerlab/pipeline";
import { capabilityLabels, capabilityMap, type CapabilityName } from "@offerlab/provider-kit";
import { exaVendor } from "@offerlab/provider-exa";
import { firecrawlVendor } from "@offerlab/provider-firecrawl";
import { leadmagicVendor } from "@offerlab/provider-leadmagic";
import { parallelVendor } from "@offerlab/provider-parallel";
import { sumbleVendor } from "@offerlab/provider-sumble";
import { theirstackVendor } from "@offerlab/provider-theirstack";
import { unipileVendor } from "@offerlab/provider-unipile";

/** Every vendor, in the default order of use (a capability's vendors are tried in this order). */
export const VENDOR_LIST = [
  unipileVendor,
  leadmagicVendor,
  theirstackVendor,
  exaVendor,
  firecrawlVendor,
  parallelVendor,
  sumbleVendor,
] as const;

type AnyVendor = (typeof VENDOR_LIST)[number];
/** A vendor's name (`"leadmagic"`). */
export type Vendor = AnyVendor["name"];
/** The vendors' names, in {@link VENDOR_LIST} order. */
export const VENDORS: readonly Vendor[] = VENDOR_LIST.map((d) => d.name);
/** Each vendor's adapter type. */
export type VendorAdapters = { [D in AnyVendor as D["name"]]: ReturnType<D["create"]> };
/** The vendors whose descriptor declares capability `C`. */
export type VendorsWith<C extends CapabilityName> = AnyVendor extends infer D
  ? D extends { name: infer N; capabilities: readonly (infer K)[] }
    ? C extends K
      ? N
      : never
    : never
  : never;

/** A vendor's descriptor, by name. */
export function vendorDescriptor<V extends Vendor>(vendor: V): Extract<AnyVendor, { name: V }> {
  const d = VENDOR_LIST.find((x) => x.name === vendor);
  if (!d)
    throw new OfferlabError("invalid_usage", `unknown vendor "${vendor}": choose one of ${VENDOR_LIST.map((x) => x.name).join(", ")}`);
  return d as Extract<AnyVendor, { name: V }>;
}

/** The capabilities the pipeline commands choose vendors for: those the pipeline's steps use. */
export const PIPELINE_CAPABILITIES = Object.keys(pipelineCapabilities) as PipelineCapability[];
export type Capability = PipelineCapability;

const byCapability: CapabilityMap = capabilityMap(VENDOR_LIST, PIPELINE_CAPABILITIES);
/** Which vendors can do what, in the default order of use: derived from the descriptors. */
export const CAPABLE = Object.fromEntries(
  PIPELINE_CAPABILITIES.map((c) => [c, { vendors: byCapability[c], what: capabilityLabels[c] }]),
) as unknown as {
  readonly [C in Capability]: { readonly vendors: readonly VendorsWith<C>[]; readonly what: string };
};

/**
 * Each vendor's environment variables by factory option (`{ apiKey: "EXA_API_KEY", baseUrl: "EXA_BASE_URL" }`),
 * as the commands name them in messages.
 */
export const VENDOR_ENV = Object.fromEntries(
  VENDOR_LIST.map((d) => [d.name, Object.fromEntries(d.env.map((v) => [v.option, v.name]))]),
) as Readonly<Record<Vendor, { readonly apiKey: string; readonly baseUrl: string; readonly dsn?: string }>>;

const RULE = "-".repeat(100);
const heading = (title: string) => `# --- ${title} ${RULE}`.slice(0, 100);

/** The providers' part of `.env.example`: every vendor's variables, commented, from the descriptors. */
export function vendorEnvExample(vendors: readonly Pick<AnyVendor, "title" | "summary" | "env">[] = VENDOR_LIST): string {
  const blocks = vendors.map((d) =>
    [`# ${d.title}: ${d.summary}.`, ...d.env.flatMap((v) => [`# ${v.description}`, `${v.name}=`])].join("\n"),
  );
  return [
    heading("Providers: each adapter runs for real only when its key is set"),
    "# (--sandbox simulates every one of them instead; real keys are then ignored.)",
    "",
    blocks.join("\n\n"),
  ].join("\n");
}
