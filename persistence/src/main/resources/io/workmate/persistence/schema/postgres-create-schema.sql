-- The pekko-persistence-jdbc 1.1.1 tables for PostgreSQL, from
-- schema/postgres/postgres-create-schema.sql in the plugin jar, with IF NOT EXISTS on every
-- statement so JournalSchema can run it on every start. JournalSchema runs the whole script in
-- one transaction (PostgreSQL's DDL is transactional). Statements end with ';' at the end of a
-- line (JournalSchema splits there).
--
-- Changed from the shipped script:
-- * The first statement takes a transaction-scoped advisory lock, so cluster nodes that start
--   together create the tables one after the other (concurrent CREATE ... IF NOT EXISTS of the
--   same table can still fail on a unique violation in the catalog).
-- * CREATE INDEX without CONCURRENTLY: CONCURRENTLY cannot run inside a transaction, and the
--   tables are empty when the indexes are created, so there is nothing to build concurrently.

SELECT pg_advisory_xact_lock(7302740012345);

CREATE TABLE IF NOT EXISTS public.event_journal(
  ordering BIGSERIAL,
  persistence_id VARCHAR(255) NOT NULL,
  sequence_number BIGINT NOT NULL,
  deleted BOOLEAN DEFAULT FALSE NOT NULL,

  writer VARCHAR(255) NOT NULL,
  write_timestamp BIGINT,
  adapter_manifest VARCHAR(255),

  event_ser_id INTEGER NOT NULL,
  event_ser_manifest VARCHAR(255) NOT NULL,
  event_payload BYTEA NOT NULL,

  meta_ser_id INTEGER,
  meta_ser_manifest VARCHAR(255),
  meta_payload BYTEA,

  PRIMARY KEY(persistence_id, sequence_number)
);

CREATE UNIQUE INDEX IF NOT EXISTS event_journal_ordering_idx ON public.event_journal(ordering);

CREATE TABLE IF NOT EXISTS public.event_tag(
  event_id BIGINT,
  tag VARCHAR(256),
  PRIMARY KEY(event_id, tag),
  CONSTRAINT fk_event_journal
    FOREIGN KEY(event_id)
    REFERENCES event_journal(ordering)
    ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS public.snapshot (
  persistence_id VARCHAR(255) NOT NULL,
  sequence_number BIGINT NOT NULL,
  created BIGINT NOT NULL,

  snapshot_ser_id INTEGER NOT NULL,
  snapshot_ser_manifest VARCHAR(255) NOT NULL,
  snapshot_payload BYTEA NOT NULL,

  meta_ser_id INTEGER,
  meta_ser_manifest VARCHAR(255),
  meta_payload BYTEA,

  PRIMARY KEY(persistence_id, sequence_number)
);

CREATE TABLE IF NOT EXISTS public.durable_state (
  global_offset BIGSERIAL,
  persistence_id VARCHAR(255) NOT NULL,
  revision BIGINT NOT NULL,
  state_payload BYTEA NOT NULL,
  state_serial_id INTEGER NOT NULL,
  state_serial_manifest VARCHAR(255),
  tag VARCHAR,
  state_timestamp BIGINT NOT NULL,
  PRIMARY KEY(persistence_id)
);

CREATE INDEX IF NOT EXISTS state_tag_idx ON public.durable_state (tag);

CREATE INDEX IF NOT EXISTS state_global_offset_idx ON public.durable_state (global_offset);
