// The page's script: the Apollo session against the API on another origin. Its settings come
// in the page's query string; its report lands in window.spaSession for the test to read.
import { runApolloSession } from "../sessions/apollo.mjs";

const settings = new URLSearchParams(window.location.search);

async function sha256(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

try {
  const report = await runApolloSession({
    uri: settings.get("api"),
    key: settings.get("key"),
    fetch: window.fetch.bind(window),
    sha256,
    token: settings.get("token"),
    oversized: Number(settings.get("oversized")),
  });
  window.spaSession = { report };
} catch (error) {
  window.spaSession = { error: `${error?.name}: ${error?.message}\n${error?.stack}` };
}
document.getElementById("state").textContent = "done";
