-- The rows an anonymous xieshang caller sees, as views that PostGraphile 4 serves (schema
-- `peer`), for benches/read/compare.sh. Plain views over the tables: PostgreSQL inlines them, so
-- PostGraphile's one statement per request reads the same tables and indexes as xieshang.
--
-- * consultations: public statuses only (xieshang hides SUBMITTED and REJECTED public topics
--   from anonymous callers; domain::visibility);
-- * current_memberships: memberships active today in China Standard Time (UTC+8), as
--   `Lounge.members` lists them, with `lead_first` so that leads can be ordered first;
-- * smart comments give each view the primary key and foreign keys of its table, so that
--   PostGraphile offers the same relations (regionsByParentId, loungesByRegionId, …).
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS peer CASCADE;
CREATE SCHEMA peer;

CREATE VIEW peer.regions AS
  SELECT id, code, name, level, parent_id FROM public.regions;
COMMENT ON VIEW peer.regions IS E'@primaryKey id\n@unique code\n@foreignKey (parent_id) references peer.regions (id)';

CREATE VIEW peer.lounges AS
  SELECT id, region_id, name, theme, venue, address, status, established_on, closed_on
  FROM public.lounges;
COMMENT ON VIEW peer.lounges IS E'@primaryKey id\n@foreignKey (region_id) references peer.regions (id)';

CREATE VIEW peer.members AS
  SELECT id, region_id, name, gender, sector, occupation, term, status FROM public.members;
COMMENT ON VIEW peer.members IS E'@primaryKey id\n@foreignKey (region_id) references peer.regions (id)';

CREATE VIEW peer.current_memberships AS
  SELECT id, lounge_id, member_id, role, since, until,
         CASE WHEN role = 'LEAD' THEN 0 ELSE 1 END AS lead_first
  FROM public.lounge_memberships
  WHERE since <= ((now() AT TIME ZONE 'UTC') + interval '8 hours')::date
    AND (until IS NULL OR until >= ((now() AT TIME ZONE 'UTC') + interval '8 hours')::date);
COMMENT ON VIEW peer.current_memberships IS E'@primaryKey id\n@foreignKey (lounge_id) references peer.lounges (id)\n@foreignKey (member_id) references peer.members (id)';

CREATE VIEW peer.consultations AS
  SELECT id, region_id, title, topic, topic_source, kind, status, lounge_id, venue,
         scheduled_at, held_at, created_at
  FROM public.consultations
  WHERE status IN ('PROPOSED', 'APPROVED', 'RESEARCHING', 'SCHEDULED', 'HELD', 'FOLLOW_UP',
                   'CLOSED', 'CANCELLED');
COMMENT ON VIEW peer.consultations IS E'@primaryKey id\n@foreignKey (region_id) references peer.regions (id)';

CREATE VIEW peer.suggestions AS
  SELECT id, consultation_id, content, proposer_name, responsible_department, status, grade,
         created_at
  FROM public.suggestions;
COMMENT ON VIEW peer.suggestions IS E'@primaryKey id\n@foreignKey (consultation_id) references peer.consultations (id)';
