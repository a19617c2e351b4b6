// Runs one scripted session against a live service and prints what it saw as JSON:
//   CRM_API=http://127.0.0.1:8000/graphql CRM_KEY=... node run.mjs apollo <token>
import { createHash } from "node:crypto";

const SESSIONS = {
  apollo: async (options) => (await import("./sessions/apollo.mjs")).runApolloSession(options),
  urql: async (options) => (await import("./sessions/urql.mjs")).runUrqlSession(options),
  relay: async (options) => (await import("./sessions/relay.mjs")).runRelaySession(options),
  // Node 20's WebSocket needs --experimental-websocket (tests/spa_clients.py passes it).
  live: async (options) => (await import("./sessions/live.mjs")).runLiveSession(options),
  // Identity and concurrent edits (issue 16).
  "custom-fields": async (options) =>
    (await import("./sessions/pending.mjs")).customFieldsOfTwoOpportunities(options),
  "two-tabs": async (options) =>
    (await import("./sessions/pending.mjs")).twoTabsEditOneOpportunity(options),
  "relay-default-store": async (options) =>
    (await import("./sessions/pending.mjs")).relayWithDefaultStore(options),
};

const [name, token] = process.argv.slice(2);
const session = SESSIONS[name];
if (!session || !token) {
  console.error(`usage: node run.mjs {${Object.keys(SESSIONS).join("|")}} <token>`);
  process.exit(2);
}
const report = await session({
  uri: process.env.CRM_API,
  key: process.env.CRM_KEY,
  fetch: globalThis.fetch,
  sha256: (text) => createHash("sha256").update(text).digest("hex"),
  token,
  oversized: Number(process.env.CRM_OVERSIZED_BYTES ?? 0),
});
process.stdout.write(`${JSON.stringify(report)}\n`);
