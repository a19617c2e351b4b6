// A scripted session with relay-runtime: its default store (records keyed by the global ids the
// service answers) and a network layer over fetch, running the artifacts relay-compiler made from
// documents/SpaSession.js (the test compiles them first).
import {
  Environment,
  Network,
  RecordSource,
  Store,
  commitMutation,
  fetchQuery,
} from "relay-runtime";
import CreateMutation from "../generated/relay/SpaSessionCreateMutation.graphql.js";
import RefetchQuery from "../generated/relay/SpaSessionDealRefetchQuery.graphql.js";
import MeQuery from "../generated/relay/SpaSessionMeQuery.graphql.js";
import PageQuery from "../generated/relay/SpaSessionPageQuery.graphql.js";
import { spyingFetch } from "./spy.mjs";

const WORDS = ["romeo", "papa", "quebec"];
const PAGE_SIZE = 2;
const CHANGED_BID = "1234.5";
const CHANGE_BID = `mutation SpaSessionChangeBid($input: UpdateOpportunityInput!) {
  updateOpportunity(input: $input) { errors { code } }
}`;

export function relayEnvironment({ uri, key, fetch }) {
  const network = Network.create(async (params, variables) => {
    const response = await fetch(uri, {
      method: "POST",
      headers: { Authorization: key, "Content-Type": "application/json" },
      body: JSON.stringify({ query: params.text, variables, operationName: params.name }),
    });
    return response.json();
  });
  return new Environment({ network, store: new Store(new RecordSource()) });
}

export async function runRelaySession({ uri, key, fetch, token }) {
  const log = [];
  const environment = relayEnvironment({ uri, key, fetch: spyingFetch(fetch, log) });
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
  // What the default store holds under each deal's (global) id.
  const record = (id) => environment.getStore().getSource().get(id);
  const stored = created.map(({ id }) => {
    const found = record(id);
    return found ? { typename: found.__typename, title: found.title } : null;
  });
  return {
    me,
    created,
    pages,
    stored,
    refetch: await refetchChangedDeal(environment, { uri, key, fetch }, created[0].id, record),
    operations: log.map((entry) => entry.operationName),
  };
}

/** Another client changes a deal's bid; the @refetchable fragment's query reads it via node. */
async function refetchChangedDeal(environment, { uri, key, fetch }, id, record) {
  const changed = await fetch(uri, {
    method: "POST",
    headers: { Authorization: key, "Content-Type": "application/json" },
    body: JSON.stringify({ query: CHANGE_BID, variables: { input: { id, bidValue: CHANGED_BID } } }),
  });
  const errors = (await changed.json()).data.updateOpportunity.errors;
  const before = record(id)?.bidValue ?? null;
  const { node } = await fetchQuery(environment, RefetchQuery, { id }).toPromise();
  return {
    errors,
    before,
    after: record(id)?.bidValue ?? null,
    found: node != null,
    typename: record(id)?.__typename ?? null,
  };
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
