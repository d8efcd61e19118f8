-- Events: the postgres-es layout, plus a commit-order position used to rebuild views.
CREATE TABLE events
(
    aggregate_type text                         NOT NULL,
    aggregate_id   text                         NOT NULL,
    sequence       bigint CHECK (sequence >= 0) NOT NULL,
    event_type     text                         NOT NULL,
    event_version  text                         NOT NULL,
    payload        json                         NOT NULL,
    metadata       json                         NOT NULL,
    position       bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (aggregate_type, aggregate_id, sequence)
);
CREATE INDEX events_position ON events (position);

-- Snapshots: the postgres-es layout (kept for compatibility; grantledger replays events).
CREATE TABLE snapshots
(
    aggregate_type   text                                 NOT NULL,
    aggregate_id     text                                 NOT NULL,
    last_sequence    bigint CHECK (last_sequence >= 0)    NOT NULL,
    current_snapshot bigint CHECK (current_snapshot >= 0) NOT NULL,
    payload          json                                 NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id, last_sequence)
);

-- Every read model, one row per (view, id), written in the transaction of the events it folds.
CREATE TABLE views
(
    view_name text   NOT NULL,
    view_id   text   NOT NULL,
    version   bigint NOT NULL CHECK (version >= 0),
    status    text,
    owner     text,
    parent    text,
    sort_key  text   NOT NULL,
    payload   json   NOT NULL,
    PRIMARY KEY (view_name, view_id)
);
CREATE INDEX views_by_status ON views (view_name, status, sort_key, view_id);
CREATE INDEX views_by_owner ON views (view_name, owner, sort_key, view_id);
CREATE INDEX views_by_parent ON views (view_name, parent, sort_key, view_id);

-- Who read what through the audit API. Append-only: updates and deletes are refused.
CREATE TABLE audit_access_log
(
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    accessed_at text NOT NULL,
    actor_sub   text NOT NULL,
    actor_roles text NOT NULL,
    request_id  text NOT NULL,
    action      text NOT NULL,
    target      text NOT NULL
);

CREATE FUNCTION audit_access_log_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_access_log is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_access_log_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_access_log
    FOR EACH ROW EXECUTE FUNCTION audit_access_log_is_append_only();
