// A scripted session with relay-runtime: its store and a network layer over fetch, running the
// artifacts relay-compiler made from documents/SpaSession.js (the test compiles them first).
import {
  Environment,
  Network,
  RecordSource,
  Store,
  commitMutation,
  fetchQuery,
} from "relay-runtime";
import CreateMutation from "../generated/relay/SpaSessionCreateMutation.graphql.js";
import MeQuery from "../generated/relay/SpaSessionMeQuery.graphql.js";
import PageQuery from "../generated/relay/SpaSessionPageQuery.graphql.js";
import { spyingFetch } from "./spy.mjs";

const WORDS = ["romeo", "papa", "quebec"];
const PAGE_SIZE = 2;

// Relay's default store takes every `id` as a global, string id (its RelayResponseNormalizer
// refuses an integer one). Until the schema has global ids, records are keyed by type and id;
// `defaultIds` is the default store, for the check waiting on global ids.
export function typedDataId(fieldValue, typeName) {
  return fieldValue.id === undefined ? undefined : `${typeName}:${fieldValue.id}`;
}

export function relayEnvironment({ uri, key, fetch, defaultIds = false }) {
  const network = Network.create(async (params, variables) => {
    const response = await fetch(uri, {
      method: "POST",
      headers: { Authorization: key, "Content-Type": "application/json" },
      body: JSON.stringify({ query: params.text, variables, operationName: params.name }),
    });
    return response.json();
  });
  const store = new Store(new RecordSource());
  const ids = defaultIds ? {} : { getDataID: typedDataId };
  return new Environment({ network, store, ...ids });
}

export async function runRelaySession({ uri, key, fetch, token, defaultIds = false }) {
  const log = [];
  const environment = relayEnvironment({ uri, key, fetch: spyingFetch(fetch, log), defaultIds });
  const { me } = await fetchQuery(environment, MeQuery, {}).toPromise();
  const created = [];
  for (const word of WORDS) {
    const input = {
      title: `${token} ${word}`,
      responsibleId: me.id,
      stageId: 3,
      bidCurrencyAbbr: "gbp",
    };
    const { opportunity } = (await mutate(environment, CreateMutation, { input }))
      .createOpportunity;
    created.push({ id: opportunity.id, title: opportunity.title });
  }
  const pages = [];
  let after = null;
  for (;;) {
    const variables = { search: token, first: PAGE_SIZE, after };
    const { opportunities } = await fetchQuery(environment, PageQuery, variables).toPromise();
    pages.push({
      ids: opportunities.edges.map((edge) => edge.node.id),
      titles: opportunities.edges.map((edge) => edge.node.title),
      stages: opportunities.edges.map((edge) => edge.node.stage.title),
      totalCount: opportunities.totalCount,
    });
    if (!opportunities.pageInfo.hasNextPage) break;
    if (pages.length > 2 * WORDS.length) throw new Error("paging does not end");
    after = opportunities.pageInfo.endCursor;
  }
  // What the normalized store holds under each deal's id.
  const source = environment.getStore().getSource();
  const stored = created.map(({ id }) => {
    const record = source.get(defaultIds ? String(id) : typedDataId({ id }, "Opportunity"));
    return record ? { typename: record.__typename, title: record.title } : null;
  });
  return { me, created, pages, stored, operations: log.map((entry) => entry.operationName) };
}

function mutate(environment, mutation, variables) {
  return new Promise((resolve, reject) => {
    commitMutation(environment, {
      mutation,
      variables,
      onCompleted: (response, errors) =>
        errors ? reject(new Error(JSON.stringify(errors))) : resolve(response),
      onError: reject,
    });
  });
}
