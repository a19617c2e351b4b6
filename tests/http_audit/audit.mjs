// Run graphql-http's server audit against URL (argv[2]) with the API key in CRM_AUDIT_KEY.
// Prints one line per audit that is not ok, then a summary; exits 1 on any error or warning.
import { auditServer } from "graphql-http";

const url = process.argv[2];
const key = process.env.CRM_AUDIT_KEY ?? "";

function withKey(input, init = {}) {
  const headers = new Headers(init.headers ?? {});
  headers.set("Authorization", key);
  return fetch(input, { ...init, headers });
}

const results = await auditServer({ url, fetchFn: withKey });
let ok = 0, warnings = 0, errors = 0;
for (const result of results) {
  if (result.status === "ok") { ok += 1; continue; }
  if (result.status === "warn") warnings += 1; else errors += 1;
  console.log(`${result.status.toUpperCase()} ${result.id} ${result.name}: ${result.reason}`);
}
console.log(`graphql-http audit: ${ok} ok, ${warnings} warnings, ${errors} errors`);
process.exit(warnings + errors === 0 ? 0 : 1);
