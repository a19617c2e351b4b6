// A scripted SPA session with urql's default client: its document cache answers a repeated
// query from memory, and a mutation returning an Opportunity invalidates every cached result
// that holds one. Returns what it saw; the test checks every answer.
import { Client, cacheExchange, fetchExchange } from "@urql/core";
import { CREATE, ME, PAGE, RENAME } from "../documents/SpaSession.js";
import { spyingFetch } from "./spy.mjs";

const WORDS = ["kilo", "hotel", "juliet", "golf", "india"];
const PAGE_SIZE = 2;

export function urqlClient({ uri, key, fetch }) {
  return new Client({
    url: uri,
    exchanges: [cacheExchange, fetchExchange],
    fetch,
    fetchOptions: { headers: { Authorization: key } },
  });
}

export async function runUrqlSession({ uri, key, fetch, token }) {
  const log = [];
  const client = urqlClient({ uri, key, fetch: spyingFetch(fetch, log) });
  const me = answerOf(await client.query(ME, {}).toPromise()).me;
  const deal = (title) => ({ title, responsibleId: me.id, stageId: 2, bidCurrencyAbbr: "usd" });
  const created = [];
  for (const word of WORDS) {
    const input = deal(`${token} ${word}`);
    const { opportunity } = answerOf(await client.mutation(CREATE, { input }).toPromise())
      .createOpportunity;
    created.push({ id: opportunity.id, title: opportunity.title });
  }
  const pages = await readPages(client, token, log);
  // Every page again: the document cache answers, nothing is sent.
  const repeatedRead = await readPages(client, token, log);

  // A watched first page, then a rename: the mutation's Opportunity invalidates the page.
  const emitted = [];
  const first = { search: token, first: PAGE_SIZE, after: null };
  const watch = client.query(PAGE, first).subscribe((result) => {
    if (result.data) emitted.push(titlesOf(result.data));
  });
  const renamed = created.find(({ title }) => title.endsWith(" golf"));
  let mark = log.length;
  const input = { id: renamed.id, ...deal(`${renamed.title} renamed`) };
  const rename = answerOf(await client.mutation(RENAME, { input }).toPromise());
  await waitFor(() => emitted.some((titles) => titles.some((title) => title.endsWith("renamed"))));
  watch.unsubscribe();
  const afterRename = log.slice(mark).map((entry) => entry.operationName);

  // The second page was cached too, and held Opportunities: it is read again from the service.
  mark = log.length;
  const secondPage = { ...first, after: pages[0].endCursor };
  const second = answerOf(await client.query(PAGE, secondPage).toPromise());
  return {
    me,
    created,
    pages,
    repeatedRead,
    rename: { id: renamed.id, answer: rename.updateOpportunity, emitted, requests: afterRename },
    secondPageAgain: { titles: titlesOf(second), requests: log.length - mark },
    methods: [...new Set(log.map((entry) => entry.method))],
  };
}

async function readPages(client, token, log) {
  const pages = [];
  let after = null;
  for (;;) {
    const mark = log.length;
    const variables = { search: token, first: PAGE_SIZE, after };
    const data = answerOf(await client.query(PAGE, variables).toPromise());
    const { hasNextPage, endCursor } = data.opportunities.pageInfo;
    pages.push({
      ids: data.opportunities.edges.map((edge) => edge.node.id),
      titles: titlesOf(data),
      totalCount: data.opportunities.totalCount,
      endCursor,
      requests: log.length - mark,
    });
    if (!hasNextPage) return pages;
    if (pages.length > 2 * WORDS.length) throw new Error("paging does not end");
    after = endCursor;
  }
}

function titlesOf(data) {
  return data.opportunities.edges.map((edge) => edge.node.title);
}

function answerOf(result) {
  if (result.error) throw result.error;
  return result.data;
}

async function waitFor(check, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the watched query");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
