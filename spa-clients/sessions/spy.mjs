// A fetch that records every request a client sends and what the service answered, so a test
// can check what went over the wire (hash-only or with the document, GET or POST, the codes).
// Runs in node and in a browser: in a page it sees only the headers CORS lets the page read.

export function spyingFetch(fetchImpl, log) {
  return async (input, init = {}) => {
    const url = new URL(typeof input === "string" ? input : input.url);
    const entry = describeRequest(url, init);
    const response = await fetchImpl(input, init);
    entry.status = response.status;
    entry.requestId = response.headers.get("X-Request-ID");
    entry.retryAfter = response.headers.get("Retry-After");
    // Not exposed by the service's CORS answer: a page reads null, node the real value.
    entry.date = response.headers.get("Date");
    Object.assign(entry, await describeAnswer(response.clone()));
    log.push(entry);
    return response;
  };
}

function describeRequest(url, init) {
  const method = (init.method ?? "GET").toUpperCase();
  const params = method === "GET" ? Object.fromEntries(url.searchParams) : JSON.parse(init.body);
  const extensions =
    typeof params.extensions === "string" ? JSON.parse(params.extensions) : params.extensions;
  return {
    method,
    operationName: params.operationName ?? null,
    query: typeof params.query === "string" ? params.query : null,
    persistedHash: extensions?.persistedQuery?.sha256Hash ?? null,
    idempotencyKey: headerOf(init.headers, "idempotency-key"),
    bodyBytes: method === "GET" ? 0 : init.body.length,
  };
}

async function describeAnswer(response) {
  try {
    const body = await response.json();
    return {
      codes: (body.errors ?? []).map((error) => error.extensions?.code ?? null),
      hasData: body.data !== undefined && body.data !== null,
    };
  } catch {
    return { codes: null, hasData: false };
  }
}

function headerOf(headers, name) {
  if (!headers) return null;
  if (typeof headers.get === "function") return headers.get(name);
  const found = Object.keys(headers).find((key) => key.toLowerCase() === name);
  return found === undefined ? null : headers[found];
}
