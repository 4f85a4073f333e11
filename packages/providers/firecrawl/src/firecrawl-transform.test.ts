import { describe, expect, it } from "vitest";
import { CrawlStatusResponse, MapResponse, ScrapeResponse } from "./firecrawl-api.js";
import { mapLinks, pageFromFirecrawl } from "./firecrawl-transform.js";
import scrape from "./__fixtures__/firecrawl-scrape.json" with { type: "json" };
import scrape404 from "./__fixtures__/firecrawl-scrape-404.json" with { type: "json" };
import crawlScraping from "./__fixtures__/firecrawl-crawl-status-scraping.json" with { type: "json" };
import mapFixture from "./__fixtures__/firecrawl-map.json" with { type: "json" };

describe("pageFromFirecrawl", () => {
  it("maps markdown, title, description, the site's status and credits", () => {
    const page = pageFromFirecrawl(ScrapeResponse.parse(scrape).data, "https://northwind-analytics.com");
    expect(page).toMatchObject({
      url: "https://northwind-analytics.com",
      title: "Northwind Analytics | Revenue intelligence",
      description: "Revenue intelligence software for B2B sales teams.",
      statusCode: 200,
      source_tool: "firecrawl",
      creditsUsed: 1,
    });
    expect(page.markdown.startsWith("# Northwind Analytics")).toBe(true);
    expect(page.metadata).toMatchObject({
      domain: "northwind-analytics.com",
      url: "https://www.northwind-analytics.com/",
      language: "en",
      links: ["https://www.northwind-analytics.com/careers", "https://www.northwind-analytics.com/about"],
    });
  });

  it("never copies the html body or image URLs into metadata", () => {
    const page = pageFromFirecrawl(ScrapeResponse.parse(scrape).data, null);
    expect(JSON.stringify(page.metadata)).not.toContain("<html>");
    expect(page.metadata).not.toHaveProperty("ogImage");
  });

  it("keeps the target site's 404: Firecrawl answers 200 and bills it", () => {
    const page = pageFromFirecrawl(ScrapeResponse.parse(scrape404).data, "https://northwind-analytics.com/team");
    expect(page).toMatchObject({ statusCode: 404, creditsUsed: 1, title: "404 | Northwind Analytics" });
    expect(page.metadata).toHaveProperty("error", "Not Found");
  });

  it("takes the first of repeated meta tags and tolerates missing metadata", () => {
    const page = pageFromFirecrawl({ markdown: "x", metadata: { title: ["", "Second"], description: [] } }, "https://a.com");
    expect(page).toMatchObject({ title: "Second", description: null, statusCode: null, creditsUsed: 0, url: "https://a.com" });
    expect(pageFromFirecrawl({}, "https://a.com")).toMatchObject({ markdown: "", url: "https://a.com" });
  });

  it("maps crawl documents", () => {
    const status = CrawlStatusResponse.parse(crawlScraping);
    const pages = status.data.map((d) => pageFromFirecrawl(d, null));
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({ url: "https://northwind-analytics.com", title: "Northwind Analytics", statusCode: 200 });
  });
});

describe("mapLinks", () => {
  it("accepts v2 objects and v1 strings", () => {
    const links = mapLinks(MapResponse.parse(mapFixture).links);
    expect(links[0]).toEqual({
      url: "https://www.northwind-analytics.com/",
      title: "Northwind Analytics",
      description: "Revenue intelligence",
    });
    expect(links[2]).toEqual({ url: "https://www.northwind-analytics.com/careers", title: null, description: null });
    expect(mapLinks(["https://a.com/x"])).toEqual([{ url: "https://a.com/x", title: null, description: null }]);
  });
});
