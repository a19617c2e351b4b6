// A board's live view (issue 17): Apollo Client subscribes through GraphQLWsLink over graphql-ws
// (graphql-transport-ws on /graphql, the API key in connection_init) and hears what this
// session's own HTTP client creates, renames and deletes.
import { ApolloClient, InMemoryCache, gql } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { createClient } from "graphql-ws";
import { CREATE, DELETE, EVENTS, ME, RENAME } from "../documents/SpaSession.js";
import { apolloClient } from "./apollo.mjs";

const WAIT_MS = 10_000;
const PROBE_MS = 200;

/** Events as they arrive, and a way to wait for the next one that matches. */
function inbox() {
  const events = [];
  let wake = () => {};
  return {
    events,
    push(event) {
      events.push(event);
      wake();
    },
    async next(matches, within = WAIT_MS) {
      const deadline = Date.now() + within;
      for (;;) {
        const index = events.findIndex(matches);
        if (index >= 0) return events.splice(index, 1)[0];
        const left = deadline - Date.now();
        if (left <= 0) return null;
        await new Promise((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.min(left, PROBE_MS));
        });
      }
    },
  };
}

export async function runLiveSession({ uri, key, fetch, token }) {
  const http = apolloClient({ uri, key, fetch });
  const socket = createClient({
    url: uri.replace(/^http/, "ws"),
    connectionParams: { Authorization: key },
    webSocketImpl: globalThis.WebSocket,
  });
  const live = new ApolloClient({ link: new GraphQLWsLink(socket), cache: new InMemoryCache() });
  const box = inbox();
  const errors = [];
  const subscription = live
    .subscribe({ query: gql(EVENTS), variables: { search: token } })
    .subscribe({
      next: ({ data }) => box.push(data.opportunityEvents),
      error: (error) => errors.push(String(error)),
    });
  try {
    const me = (await http.query({ query: gql(ME) })).data.me;
    const create = async (word) => {
      const input = { title: `${token} ${word}`, responsibleId: me.id, stageId: 1, bidCurrencyAbbr: "eur" };
      const { data } = await http.mutate({ mutation: gql(CREATE), variables: { input } });
      return data.createOpportunity.opportunity.id;
    };
    const rename = (id, word) =>
      http.mutate({ mutation: gql(RENAME), variables: { input: { id, title: `${token} ${word}` } } });
    // The subscription is live once it hears a change: rename a probe until it does.
    const probe = await create("probe");
    let attempts = 0;
    while (!(await box.next((e) => e.opportunityId === probe, PROBE_MS))) {
      if (++attempts > 50) throw new Error(`the subscription never became live: ${errors}`);
      await rename(probe, `probe ${attempts}`);
    }
    const seen = (id) => (e) => e.opportunityId === id;
    const id = await create("alpha");
    const created = await box.next(seen(id));
    await rename(id, "beta");
    const renamed = await box.next(seen(id));
    await http.mutate({ mutation: gql(DELETE), variables: { input: { id } } });
    const deleted = await box.next(seen(id));
    return { id, events: [created, renamed, deleted], errors };
  } finally {
    subscription.unsubscribe();
    await socket.dispose();
  }
}
