-- Process-manager outbox: one row per (reactor, event) written in the event's own transaction,
-- deleted once the reaction has run. A row left behind by a crash is retried on restart.
CREATE TABLE outbox
(
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reactor        text    NOT NULL,
    aggregate_type text    NOT NULL,
    aggregate_id   text    NOT NULL,
    sequence       bigint  NOT NULL,
    attempts       integer NOT NULL DEFAULT 0,
    last_error     text,
    UNIQUE (reactor, aggregate_type, aggregate_id, sequence)
);
