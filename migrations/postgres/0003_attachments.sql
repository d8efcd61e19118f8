-- Documents attached to bids, stored once per content and addressed by their SHA-256 (hex).
-- Events record name, type, size and hash; the bytes live here, in the same database.
CREATE TABLE attachments
(
    sha256       text   PRIMARY KEY CHECK (length(sha256) = 64),
    content_type text   NOT NULL,
    size         bigint NOT NULL CHECK (size >= 0),
    bytes        bytea  NOT NULL,
    stored_at    text   NOT NULL
);
