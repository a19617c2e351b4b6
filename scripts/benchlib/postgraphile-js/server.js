// PostGraphile 4 over the bench's PostgreSQL database: an anchor of scripts/bench.
//
// Each request is answered as the employee its API key names: the key is looked up by its
// SHA-256 digest (as app/domain/keys.py does), and the employee's id is handed to PostgreSQL
// through pgSettings (`crm.employee_id`) under the role `crm_bench_reader`, whose row-level
// security policies (rls.sql) express the service's privacy rule. Reads only.
//
// Environment: BENCH_DATABASE_URL (postgres://...), PORT.
"use strict";

const crypto = require("crypto");
const http = require("http");
const { Pool } = require("pg");
const { postgraphile } = require("postgraphile");

const pool = new Pool({ connectionString: process.env.BENCH_DATABASE_URL, max: 16 });

const KEY_LOOKUP =
  "SELECT e.id FROM api_key k JOIN employee e ON e.id = k.employee_id " +
  "WHERE k.digest = $1 AND k.revoked_at IS NULL " +
  "AND (k.expires_at IS NULL OR k.expires_at > now())";

// `Authorization: <key>` or `Authorization: Bearer <key>`, as the service reads it.
function presentedKey(header) {
  const value = (header || "").trim();
  const space = value.indexOf(" ");
  if (space > 0 && value.slice(0, space).toLowerCase() === "bearer") {
    return value.slice(space + 1).trim();
  }
  return value;
}

async function callerSettings(req) {
  const key = presentedKey(req.headers.authorization);
  const digest = crypto.createHash("sha256").update(key).digest("hex");
  const found = key ? await pool.query(KEY_LOOKUP, [digest]) : { rows: [] };
  if (found.rows.length === 0) {
    const error = new Error("Unauthorized");
    error.status = 401;
    throw error;
  }
  return { role: "crm_bench_reader", "crm.employee_id": found.rows[0].id };
}

const graphql = postgraphile(pool, "public", {
  pgSettings: callerSettings,
  disableDefaultMutations: true,
  disableQueryLog: true,
  graphiql: false,
  watchPg: false,
  setofFunctionsContainNulls: false,
});

http
  .createServer((req, res) => {
    if (req.url === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
      return;
    }
    graphql(req, res);
  })
  .listen(Number(process.env.PORT), "127.0.0.1");
