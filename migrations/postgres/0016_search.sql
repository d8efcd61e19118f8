-- Search over calls and needs (issue 16): words of the title, text, chain and targets, Chinese
-- included. No whitespace tokenisation: pg_trgm indexes every 3-character sequence, so an
-- ILIKE '%光刻胶%' is answered from the GIN index; patterns under 3 characters scan.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE views ADD COLUMN search_text text GENERATED ALWAYS AS (
    CASE WHEN view_name IN ('challenge', 'need') THEN
        coalesce(payload ->> 'title', '') || ' ' ||
        coalesce(payload ->> 'text', '') || ' ' ||
        coalesce(payload ->> 'expected_outcome', '') || ' ' ||
        coalesce(payload ->> 'industry_chain', '') || ' ' ||
        coalesce((payload -> 'targets')::text, '')
    END
) STORED;

CREATE INDEX views_search_trgm ON views USING gin (search_text gin_trgm_ops)
    WHERE search_text IS NOT NULL;
