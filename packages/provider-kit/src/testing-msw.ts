/**
 * MSW helpers for adapter tests: a server that errors on any request no handler answers, and a
 * recorder of every outgoing request so tests can assert method, path, query, headers and the
 * encoded body (JSON or multipart).
 */
import { setupServer } from "msw/node";
import type { SetupServer } from "msw/node";
import type { RequestHandler } from "msw";
import { afterAll, afterEach, beforeAll } from "vitest";

/** A file part of a recorded multipart body. */
export interface RecordedFile {
  filename: string;
  type: string;
  size: number;
}

export interface RecordedRequest {
  method: string;
  url: URL;
  /** Path without the query string, e.g. `/api/v1/users/invite`. */
  path: string;
  /** Query parameters; repeated ones keep every value in order. */
  query: Record<string, string[]>;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The raw body text (multipart bodies keep their boundary encoding). */
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  /** Multipart fields in order, repeated names repeated; undefined when not multipart. */
  form: [string, string | RecordedFile][] | undefined;
}

/** Every value of a multipart field, in order. */
export function formValues(request: RecordedRequest, name: string): (string | RecordedFile)[] {
  return (request.form ?? []).filter(([k]) => k === name).map(([, v]) => v);
}

export interface RequestRecorder {
  /** Every request seen since the last `clear()`, bodies read. */
  requests(): Promise<RecordedRequest[]>;
  /** The last request, or throws when there was none. */
  last(): Promise<RecordedRequest>;
  /** How many requests were seen (synchronous: counts requests whose bodies are still being read). */
  count(): number;
  clear(): void;
  /** Stops recording. */
  dispose(): void;
}

/** Records every request the server sees (handled or not). */
export function createRequestRecorder(server: SetupServer): RequestRecorder {
  let pending: Promise<RecordedRequest>[] = [];
  const listener = ({ request }: { request: Request }) => {
    pending.push(readRequest(request.clone()));
  };
  server.events.on("request:start", listener);
  return {
    requests: () => Promise.all(pending),
    async last() {
      const all = await Promise.all(pending);
      const last = all.at(-1);
      if (!last) throw new Error("no request was recorded");
      return last;
    },
    count: () => pending.length,
    clear() {
      pending = [];
    },
    dispose() {
      server.events.removeListener("request:start", listener);
    },
  };
}

async function readRequest(request: Request): Promise<RecordedRequest> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => {
    headers[key.toLowerCase()] = value;
  });
  const query: Record<string, string[]> = {};
  url.searchParams.forEach((value, key) => {
    (query[key] ??= []).push(value);
  });
  const body = await request.text();
  let json: unknown;
  try {
    json = body === "" ? undefined : JSON.parse(body);
  } catch {
    json = undefined;
  }
  let form: RecordedRequest["form"];
  if ((headers["content-type"] ?? "").startsWith("multipart/form-data")) {
    const parsed = await new Request(request.url, {
      method: "POST",
      headers: { "content-type": headers["content-type"] ?? "" },
      body,
    }).formData();
    form = [];
    parsed.forEach((value, key) => {
      form?.push([key, typeof value === "string" ? value : { filename: value.name, type: value.type, size: value.size }]);
    });
  }
  return { method: request.method, url, path: url.pathname, query, headers, body, json, form };
}

/** A Node MSW server whose `listen()` defaults to `onUnhandledRequest: 'error'`. */
export function createMswServer(...handlers: RequestHandler[]): SetupServer {
  const server = setupServer(...handlers);
  const listen = server.listen.bind(server);
  server.listen = (options) => listen({ onUnhandledRequest: "error", ...options });
  return server;
}

export interface MswTestServer {
  server: SetupServer;
  recorder: RequestRecorder;
}

/**
 * Sets up an MSW server for the current vitest file: listens before all tests with
 * `onUnhandledRequest: 'error'`, resets runtime handlers and the recorder after each test, closes
 * after all. Call at the top level of a test file.
 */
export function setupMswServer(...handlers: RequestHandler[]): MswTestServer {
  const server = createMswServer(...handlers);
  const recorder = createRequestRecorder(server);
  beforeAll(() => server.listen());
  afterEach(() => {
    server.resetHandlers();
    recorder.clear();
  });
  afterAll(() => {
    recorder.dispose();
    server.close();
  });
  return { server, recorder };
}
