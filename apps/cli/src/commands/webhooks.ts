/**
 * `offerlab webhooks serve|register`: the webhook server of `@offerlab/webhooks`, and the Unipile
 * webhooks pointing at it.
 */
import { createLogger, DEFAULT_SECRET_HEADER, MIN_SECRET_LENGTH, registerUnipileWebhooks, serveWebhooks } from "@offerlab/webhooks";
import type { Command } from "commander";
import { CliError, EXIT, json, type Io } from "../output.js";
import { addSandboxOptions, createCliProviders } from "../providers.js";
import { examples, intFlag } from "./product-helpers.js";

export function registerWebhookCommands(program: Command, io: Io): void {
  const hooks = program
    .command("webhooks")
    .description("The webhook server: replies, accepted invitations, opens, bounces, account changes");

  hooks
    .command("serve")
    .description("Run the webhook server (POST /webhooks/unipile, GET /healthz, GET /readyz) until SIGTERM/SIGINT")
    .option("--port <n>", "port to listen on (default: PORT, else 8787)")
    .option("--pretty", "human-readable logs instead of JSON lines (also OFFERLAB_LOG_PRETTY=1)")
    .addHelpText(
      "after",
      `
Needs OFFERLAB_WEBHOOK_SECRET (32 characters or more; \`offerlab webhooks register\` generates one).
Optional: OFFERLAB_WEBHOOK_SECRET_HEADER (default ${DEFAULT_SECRET_HEADER}), OFFERLAB_WEBHOOK_MAX_BODY,
DATABASE_URL. Events are stored at once and applied right after the answer (and by \`offerlab cron\`).
${examples(["OFFERLAB_WEBHOOK_SECRET=$(openssl rand -hex 32) offerlab webhooks serve --pretty"])}`,
    )
    .action(async (o: { port?: string; pretty?: boolean }) => {
      const port = intFlag("--port", o.port, 0, 65535);
      const pretty = Boolean(o.pretty) || io.env.OFFERLAB_LOG_PRETTY === "1";
      // A configuration error (ConfigError, exit 2) or a database one ends the command in `run`.
      await serveWebhooks({
        env: io.env,
        sandbox: io.sandbox === true,
        pretty,
        ...(port !== undefined ? { port } : {}),
        logger: createLogger({ pretty, env: io.env, destination: { write: (line) => io.stdout(line) } }),
      });
    });

  addSandboxOptions(
    hooks
      .command("register")
      .description("Create the Unipile webhooks pointing at your server, with a newly generated secret")
      .requiredOption("--url <url>", "public URL of the webhook server (https://hooks.example.com, or the full …/webhooks/unipile)")
      .option("--replace", "delete webhooks already pointing at this URL first (they carry an old secret)")
      .option("--secret-from-env", "use OFFERLAB_WEBHOOK_SECRET instead of generating a new secret")
      .option("--json", "print the result (secret included) as JSON"),
  )
    .addHelpText(
      "after",
      `
Reads UNIPILE_API_KEY and UNIPILE_DSN. Creates one webhook per source (messaging, relations, email,
email tracking, account status), each sending the secret in ${DEFAULT_SECRET_HEADER} (or
OFFERLAB_WEBHOOK_SECRET_HEADER). The secret is printed once: set it as OFFERLAB_WEBHOOK_SECRET on the server.
${examples(["offerlab webhooks register --url https://hooks.example.com", "offerlab webhooks register --url https://hooks.example.com --replace --secret-from-env"])}`,
    )
    .action(
      async (o: { url: string; replace?: boolean; secretFromEnv?: boolean; json?: boolean; sandbox?: boolean; sandboxSeed?: string }) => {
        const secretHeader = (io.env.OFFERLAB_WEBHOOK_SECRET_HEADER?.trim() || DEFAULT_SECRET_HEADER).toLowerCase();
        if (!/^[a-z0-9-]+$/.test(secretHeader))
          throw new CliError(
            `OFFERLAB_WEBHOOK_SECRET_HEADER must be a header name (letters, digits, dashes), got "${secretHeader}"`,
            EXIT.usage,
          );
        let secret: string | undefined;
        if (o.secretFromEnv) {
          secret = io.env.OFFERLAB_WEBHOOK_SECRET ?? "";
          if (secret.length < MIN_SECRET_LENGTH) {
            throw new CliError(
              `--secret-from-env: OFFERLAB_WEBHOOK_SECRET must be set and at least ${MIN_SECRET_LENGTH} characters (it is ${secret.length}); or leave the flag out to generate one`,
              EXIT.usage,
            );
          }
        }
        const unipile = (await createCliProviders(io, { sandbox: o.sandbox, seed: o.sandboxSeed })).get("unipile");
        // Its errors carry catalogue codes (invalid_usage for --url and an existing webhook, the
        // provider's own code for a failed creation): the CLI's error handler maps them to exit codes.
        const result = await registerUnipileWebhooks({
          unipile,
          url: o.url,
          secretHeader,
          replace: Boolean(o.replace),
          ...(secret ? { secret } : {}),
        });
        if (o.json) {
          io.stdout(json(result));
          return;
        }
        io.stdout(
          `Created ${result.created.length} Unipile webhooks → ${result.requestUrl}${result.replaced.length ? ` (replaced ${result.replaced.length})` : ""}\n`,
        );
        for (const c of result.created) io.stdout(`  ${c.source.padEnd(15)} ${c.webhookId}\n`);
        if (result.generated) {
          io.stdout(
            `\nSet this secret on the webhook server (it is not stored anywhere else and is shown once):\n\n  OFFERLAB_WEBHOOK_SECRET=${result.secret}\n`,
          );
        } else {
          io.stdout(`\nThe webhooks send the OFFERLAB_WEBHOOK_SECRET already set.\n`);
        }
        if (secretHeader !== DEFAULT_SECRET_HEADER) io.stdout(`  OFFERLAB_WEBHOOK_SECRET_HEADER=${secretHeader}\n`);
        io.stdout(`\nThen restart \`offerlab webhooks serve\` and check https://…/readyz.\n`);
      },
    );
}
