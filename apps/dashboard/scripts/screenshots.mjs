// Screenshots of the dashboard's main pages for docs/dashboard/, from a running dashboard
// (`pnpm demo` then `pnpm offerlab dashboard --sandbox`):
//   node apps/dashboard/scripts/screenshots.mjs http://127.0.0.1:4317
// Drives Debian's chromium (OFFERLAB_CHROMIUM overrides the path) through playwright-core.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const base = process.argv[2] ?? "http://127.0.0.1:4317";
const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../docs/dashboard");
const browser = await chromium.launch({
  executablePath: process.env.OFFERLAB_CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const shots = [
    ["overview", "/"],
    ["campaigns", "/campaigns"],
    ["leads", "/leads"],
    ["activity", "/activity"],
  ];
  await page.goto(base + "/campaigns");
  const campaign = await page.locator("#campaigns a").first().getAttribute("href");
  if (campaign) shots.push(["campaign", campaign]);
  await page.goto(base + "/offers");
  const offer = await page.locator('#offers a[href^="/offers/"]').first().getAttribute("href");
  if (offer) shots.push(["offer", offer]);
  await page.goto(base + "/leads");
  const person = await page.locator('#leads a[href^="/people/"]').nth(1).getAttribute("href");
  if (person) shots.push(["person", person]);
  for (const [name, url] of shots) {
    await page.goto(base + url);
    await page.screenshot({ path: path.join(out, `${name}.png`) });
    console.log(`docs/dashboard/${name}.png  ${url}`);
  }
} finally {
  await browser.close();
}
