import fs from "node:fs";
import pg from "pg";
import { offers } from "@offerlab/db";
import { importContacts } from "@offerlab/pipeline";
import { parse } from "csv-parse";
import { freshDb } from "./lib.js";
const file = "/tmp/b-prof.csv";
const times = new Map<string, [number, number]>();
const orig = pg.Client.prototype.query as any;
(pg.Client.prototype as any).query = function (...args: any[]) {
  const text = typeof args[0] === "string" ? args[0] : args[0]?.text ?? "";
  const key = String(text).replace(/\$\d+/g, "?").replace(/\s+/g, " ").slice(0, 90);
  const t = performance.now();
  const r = orig.apply(this, args);
  if (r && typeof r.then === "function") return r.then((x: any) => { const e = times.get(key) ?? [0, 0]; e[0] += performance.now() - t; e[1]++; times.set(key, e); return x; });
  return r;
};
const b = await freshDb("bprof");
try {
  const offer = await offers.create(b.db, { name: "x", type: "product", ownership: "internal", description: "d" });
  const t = performance.now();
  const s = await importContacts(b.db, fs.createReadStream(file).pipe(parse({ columns: true, bom: true })), { offerId: offer.id });
  console.log("import", (performance.now() - t).toFixed(0), s.created, s.merged, s.companiesCreated);
} finally { await b.drop(); }
console.log([...times].sort((a, b) => b[1][0] - a[1][0]).slice(0, 8).map(([k, [ms, n]]) => `${ms.toFixed(0)}ms x${n} ${k}`).join("\n"));
