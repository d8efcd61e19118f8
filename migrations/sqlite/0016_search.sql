-- Search over calls and needs (issue 16): an FTS5 table with the trigram tokenizer (every
-- 3-character sequence is a token, so Chinese needs no word segmentation), kept by triggers on
-- the views table and keyed by the view row's rowid. Queries of 3 characters or more use MATCH;
-- shorter ones LIKE over the same table.
CREATE VIRTUAL TABLE views_search USING fts5(
    view_name UNINDEXED,
    view_id UNINDEXED,
    body,
    tokenize = 'trigram'
);

CREATE TRIGGER views_search_insert AFTER INSERT ON views
    WHEN new.view_name IN ('challenge', 'need')
BEGIN
    INSERT INTO views_search (rowid, view_name, view_id, body) VALUES (
        new.rowid, new.view_name, new.view_id,
        coalesce(json_extract(new.payload, '$.title'), '') || ' ' ||
        coalesce(json_extract(new.payload, '$.text'), '') || ' ' ||
        coalesce(json_extract(new.payload, '$.expected_outcome'), '') || ' ' ||
        coalesce(json_extract(new.payload, '$.industry_chain'), '') || ' ' ||
        coalesce(json_extract(new.payload, '$.targets'), '')
    );
END;

CREATE TRIGGER views_search_update AFTER UPDATE ON views
    WHEN new.view_name IN ('challenge', 'need')
BEGIN
    DELETE FROM views_search WHERE rowid = old.rowid;
    INSERT INTO views_search (rowid, view_name, view_id, body) VALUES (
        new.rowid, new.view_name, new.view_id,
        coalesce(json_extract(new.payload, '$.title'), '') || ' ' ||
        coalesce(json_extract(new.payload, '$.text'), '') || ' ' ||
        coalesce(json_extract(new.payload, '$.expected_outcome'), '') || ' ' ||
        coalesce(json_extract(new.payload, '$.industry_chain'), '') || ' ' ||
        coalesce(json_extract(new.payload, '$.targets'), '')
    );
END;

CREATE TRIGGER views_search_delete AFTER DELETE ON views
    WHEN old.view_name IN ('challenge', 'need')
BEGIN
    DELETE FROM views_search WHERE rowid = old.rowid;
END;
