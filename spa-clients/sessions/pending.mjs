// Identity and concurrent-edit sessions (issue 16 items 1 and 2). run.mjs runs them by name;
// tests/test_spa_clients.py holds their checks.
import { gql } from "@apollo/client";
import {
  CREATE,
  CREATE_FIELD,
  CUSTOM_FIELDS,
  ME,
  PATCH,
  VERSIONED,
} from "../documents/SpaSession.js";
import { apolloClient } from "./apollo.mjs";
import { runRelaySession } from "./relay.mjs";
import { spyingFetch } from "./spy.mjs";

/** Two deals sharing one custom-field definition, read through one Apollo cache (item 1). */
export async function customFieldsOfTwoOpportunities({ uri, key, fetch, token }) {
  const client = apolloClient({ uri, key, fetch: spyingFetch(fetch, []) });
  const me = (await client.query({ query: gql(ME) })).data.me;
  const label = `${token} source`;
  const field = (
    await client.mutate({ mutation: gql(CREATE_FIELD), variables: { input: { label } } })
  ).data.createCustomFieldDefinition.customFieldDefinition;
  const written = {};
  for (const word of ["first", "second"]) {
    const value = `${word} value`;
    const input = {
      title: `${token} ${word}`,
      responsibleId: me.id,
      stageId: 1,
      bidCurrencyAbbr: "eur",
      customFields: [{ fieldId: field.id, value }],
    };
    await client.mutate({ mutation: gql(CREATE), variables: { input } });
    written[input.title] = value;
  }
  const { data } = await client.query({ query: gql(CUSTOM_FIELDS), variables: { search: token } });
  const read = Object.fromEntries(
    data.opportunities.edges.map(({ node }) => [
      node.title,
      node.customFields.find((each) => each.label === label)?.fieldValue ?? null,
    ]),
  );
  return { written, read };
}

/** Two tabs edit one deal from the same version: the second gets CONFLICT (item 2). */
export async function twoTabsEditOneOpportunity({ uri, key, fetch, token }) {
  const tab = () => apolloClient({ uri, key, fetch: spyingFetch(fetch, []) });
  const [first, second] = [tab(), tab()];
  const me = (await first.query({ query: gql(ME) })).data.me;
  const input = {
    title: `${token} shared`,
    responsibleId: me.id,
    stageId: 1,
    bidCurrencyAbbr: "eur",
    description: "kept by patches",
  };
  await first.mutate({ mutation: gql(CREATE), variables: { input } });
  const read = async (tab, fetchPolicy = "cache-first") =>
    (await tab.query({ query: gql(VERSIONED), variables: { search: token }, fetchPolicy })).data
      .opportunities.edges[0].node;
  const seen = [await read(first), await read(second)];
  const patch = async (tab, node, title) =>
    (
      await tab.mutate({
        mutation: gql(PATCH),
        variables: { input: { id: node.id, expectedVersion: node.version, title } },
      })
    ).data.updateOpportunity;
  const firstEdit = await patch(first, seen[0], `${token} first tab`);
  const secondEdit = await patch(second, seen[1], `${token} second tab`);
  const reread = await read(second, "network-only");
  const retried = await patch(second, reread, `${token} second tab`);
  return { seen, firstEdit, secondEdit, reread, retried, final: await read(first, "network-only") };
}

/** The Relay session: relay-runtime's default store, keyed by the global ids (item 1). */
export function relayWithDefaultStore(options) {
  return runRelaySession(options);
}
