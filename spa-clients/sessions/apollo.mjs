// A scripted SPA session with Apollo Client and its default InMemoryCache (the one policy added
// is relayStylePagination for `opportunities`). Runs in node and in a page; it returns what it
// saw, and the test checks every answer.
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { relayStylePagination } from "@apollo/client/utilities";
import { COUNT, CREATE, ME, PAGE, RENAME } from "../documents/SpaSession.js";
import { spyingFetch } from "./spy.mjs";

// Created out of title order, so a page in title order is not the creation order.
export const WORDS = ["delta", "alpha", "echo", "charlie", "bravo"];
const PAGE_SIZE = 2;
// Deliberately outside the schema, so not among the documents Relay validates.
const UNKNOWN_FIELD = gql`query SpaSessionUnknownField { me { id shoeSize } }`;

export function apolloClient({ uri, key, fetch, persisted = null }) {
  const http = new HttpLink({ uri, fetch, headers: { Authorization: key } });
  const link = persisted ? new PersistedQueryLink(persisted).concat(http) : http;
  const cache = new InMemoryCache({
    typePolicies: {
      Query: { fields: { opportunities: relayStylePagination(["filter", "orderBy"]) } },
    },
  });
  // Apollo sends its client name and version as headers: the browser's preflight names them.
  const clientAwareness = { name: "crm-spa-session", version: "1" };
  return new ApolloClient({ link, cache, clientAwareness });
}

/** The whole session: create, page, edit, persisted queries, error codes, a busy answer. */
export async function runApolloSession({ uri, key, fetch, sha256, token, oversized }) {
  const log = [];
  const spied = spyingFetch(fetch, log);
  const client = apolloClient({ uri, key, fetch: spied });
  const me = (await client.query({ query: gql(ME) })).data.me;
  const created = await createAll(client, token, me.id);
  const repeat = await create(client, token, me.id, WORDS[0], created[0].idempotencyKey);
  const paging = await pageThrough(client, token, log);
  const edit = await renameOne(client, paging.watch, created, me.id, log);
  paging.watch.subscription.unsubscribe();
  return {
    me,
    created,
    repeatedCreate: { id: repeat.id, key: repeat.idempotencyKey },
    pages: paging.pages,
    cachedList: paging.cachedList,
    edit,
    persisted: await persistedQueries({ uri, key, fetch, sha256, token }),
    errors: await errorCodes(client, token),
    busy: await busyAnswer(client, me.id, token, oversized, log),
    requestIds: log.map((entry) => entry.requestId),
    dates: log.map((entry) => entry.date),
  };
}

async function createAll(client, token, responsibleId) {
  const created = [];
  for (const [index, word] of WORDS.entries()) {
    created.push(await create(client, token, responsibleId, word, `${token}-create-${index}`));
  }
  return created;
}

async function create(client, token, responsibleId, word, idempotencyKey) {
  const input = {
    title: `${token} ${word}`,
    responsibleId,
    stageId: 1,
    bidCurrencyAbbr: "eur",
    bidValue: String(100 + WORDS.indexOf(word)),
  };
  const { data } = await client.mutate({
    mutation: gql(CREATE),
    variables: { input },
    context: { headers: { "Idempotency-Key": idempotencyKey } },
  });
  const { errors, opportunity } = data.createOpportunity;
  if (errors.length) throw new Error(`create refused: ${JSON.stringify(errors)}`);
  return { id: opportunity.id, title: opportunity.title, idempotencyKey };
}

// A list the way an infinite-scroll view reads it: one watched query, fetchMore per page.
async function pageThrough(client, token, log) {
  const query = client.watchQuery({
    query: gql(PAGE),
    variables: { search: token, first: PAGE_SIZE },
  });
  const emitted = [];
  const subscription = query.subscribe((result) => {
    if (result.dataState === "complete") emitted.push(result.data.opportunities);
  });
  const pages = [];
  let mark = log.length;
  let current = await waitFor(() => emitted.at(-1));
  for (;;) {
    pages.push(pageRequests(log, mark));
    const { hasNextPage, endCursor } = current.pageInfo;
    if (!hasNextPage) break;
    // A cursor that does not move the list would page forever: stop at twice the deals made.
    if (pages.length > 2 * WORDS.length) throw new Error("paging does not end");
    mark = log.length;
    const shown = current.edges.length;
    await query.fetchMore({ variables: { after: endCursor } });
    // The merged list arrives through the watch, once relayStylePagination appended the page.
    current = await waitFor(() => {
      const last = emitted.at(-1);
      return last.edges.length > shown || !last.pageInfo.hasNextPage ? last : undefined;
    });
  }
  return {
    pages,
    cachedList: listOf(current),
    watch: { query, subscription, emitted },
  };
}

function pageRequests(log, mark) {
  return log
    .slice(mark)
    .filter((entry) => entry.operationName === "SpaSessionPageQuery")
    .map((entry) => ({ status: entry.status, codes: entry.codes }));
}

function listOf(connection) {
  return {
    totalCount: connection.totalCount,
    hasNextPage: connection.pageInfo.hasNextPage,
    ids: connection.edges.map((edge) => edge.node.id),
    titles: connection.edges.map((edge) => edge.node.title),
    bidValues: connection.edges.map((edge) => edge.node.bidValue),
    cursors: connection.edges.map((edge) => edge.cursor),
  };
}

// The mutation's answer updates Opportunity:<id> in the cache; the watched list shows it
// without asking the service again.
async function renameOne(client, watch, created, responsibleId, log) {
  const target = created.find((deal) => deal.title.endsWith(" charlie"));
  const before = watch.emitted.length;
  const mark = log.length;
  const { data } = await client.mutate({
    mutation: gql(RENAME),
    variables: {
      input: {
        id: target.id,
        title: `${target.title} renamed`,
        responsibleId,
        stageId: 1,
        bidCurrencyAbbr: "eur",
        bidValue: "250",
      },
    },
  });
  const shown = await waitFor(() => watch.emitted.slice(before).at(-1));
  return {
    id: target.id,
    answer: data.updateOpportunity,
    watchedList: listOf(shown),
    requests: log.slice(mark).map((entry) => entry.operationName),
  };
}

// Apollo's PersistedQueryLink: the first client learns the hash is unknown and sends the
// document; a second client (another tab, a fresh cache) then gets by with the hash over GET.
async function persistedQueries({ uri, key, fetch, sha256, token }) {
  const runs = [];
  for (const useGETForHashedQueries of [false, true]) {
    const log = [];
    const client = apolloClient({
      uri,
      key,
      fetch: spyingFetch(fetch, log),
      persisted: { sha256, useGETForHashedQueries },
    });
    const { data } = await client.query({ query: gql(COUNT), variables: { search: token } });
    runs.push({ totalCount: data.opportunities.totalCount, requests: log });
  }
  return runs;
}

async function errorCodes(client, token) {
  const unknown = await client.query({ query: UNKNOWN_FIELD, errorPolicy: "all" });
  const tooLarge = await client.query({
    query: gql(PAGE),
    variables: { search: token, first: 101 },
    errorPolicy: "all",
    fetchPolicy: "network-only",
  });
  return { unknownField: described(unknown.error), pageTooLarge: described(tooLarge.error) };
}

function described(error) {
  return {
    name: error?.name ?? null,
    codes: (error?.errors ?? []).map((each) => each.extensions?.code ?? null),
    paths: (error?.errors ?? []).map((each) => each.path ?? null),
  };
}

// A body over what the service buffers at once (the test's server sets it low) is answered
// 503 with Retry-After before it runs: what a page needs to back off.
async function busyAnswer(client, responsibleId, token, oversized, log) {
  const mark = log.length;
  const input = {
    title: `${token} too big`,
    responsibleId,
    stageId: 1,
    bidCurrencyAbbr: "eur",
    description: "x".repeat(oversized),
  };
  const { error } = await client.mutate({
    mutation: gql(CREATE),
    variables: { input },
    errorPolicy: "all",
    context: { headers: { "Idempotency-Key": `${token}-too-big` } },
  });
  const sent = log.slice(mark);
  return {
    errorName: error?.name ?? null,
    statusCode: error?.statusCode ?? null,
    retryAfter: error?.response?.headers.get("Retry-After") ?? null,
    requestId: error?.response?.headers.get("X-Request-ID") ?? null,
    code: codeIn(error?.bodyText),
    requests: sent.map((entry) => ({ status: entry.status, bodyBytes: entry.bodyBytes })),
  };
}

function codeIn(bodyText) {
  try {
    return JSON.parse(bodyText).errors[0].extensions.code;
  } catch {
    return null;
  }
}

async function waitFor(read, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting for the watched query");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
