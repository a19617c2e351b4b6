-- Row-level security for PostGraphile (server.js): the service's privacy rule, as policies.
-- A deal is visible to admins, to everyone when it is not private, else to its access list;
-- a contact to admins, to everyone when shared, else to its access list. The caller is the
-- setting crm.employee_id, set per request from the API key. The bench's own connections
-- (the service, the baseline, the floor) own the tables and are not subject to these policies.
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'crm_bench_reader') THEN
    CREATE ROLE crm_bench_reader NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;  -- another run created it meanwhile
END $$;
GRANT USAGE ON SCHEMA public TO crm_bench_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO crm_bench_reader;

CREATE OR REPLACE FUNCTION crm_bench_caller() RETURNS uuid LANGUAGE sql STABLE AS
  $$ SELECT current_setting('crm.employee_id', true)::uuid $$;
CREATE OR REPLACE FUNCTION crm_bench_caller_is_admin() RETURNS boolean LANGUAGE sql STABLE AS
  $$ SELECT coalesce((SELECT is_admin FROM employee WHERE id = crm_bench_caller()), false) $$;
COMMENT ON FUNCTION crm_bench_caller() IS E'@omit';
COMMENT ON FUNCTION crm_bench_caller_is_admin() IS E'@omit';

ALTER TABLE opportunity ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS opportunity_visible ON opportunity;
CREATE POLICY opportunity_visible ON opportunity FOR SELECT TO crm_bench_reader USING (
  is_private = FALSE
  OR (SELECT crm_bench_caller_is_admin())
  OR EXISTS (SELECT 1 FROM opportunity_access a
             WHERE a.opportunity_id = opportunity.id AND a.employee_id = crm_bench_caller())
);

ALTER TABLE contact ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS contact_readable ON contact;
CREATE POLICY contact_readable ON contact FOR SELECT TO crm_bench_reader USING (
  share_type != 0
  OR (SELECT crm_bench_caller_is_admin())
  OR EXISTS (SELECT 1 FROM contact_access a
             WHERE a.contact_id = contact.id AND a.employee_id = crm_bench_caller())
);

-- The service's default list order (stage order, title without case, id), for orderBy.
CREATE OR REPLACE FUNCTION opportunity_stage_order(o opportunity) RETURNS integer
  LANGUAGE sql STABLE AS $$ SELECT sort_order FROM stage WHERE id = o.stage_id $$;
CREATE OR REPLACE FUNCTION opportunity_title_key(o opportunity) RETURNS text
  LANGUAGE sql STABLE AS $$ SELECT lower(o.title) $$;
COMMENT ON FUNCTION opportunity_stage_order(opportunity) IS E'@sortable';
COMMENT ON FUNCTION opportunity_title_key(opportunity) IS E'@sortable';
