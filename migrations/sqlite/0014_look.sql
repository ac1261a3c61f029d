-- The library's own look (issue 13): its house colour, "#rrggbb", or ''
-- for the site's default. The logo (logo_url) and banner are older.
ALTER TABLE library ADD COLUMN colour TEXT NOT NULL DEFAULT '';

-- Where a published event started before staff moved it: pages then say it
-- was rescheduled (schema.org previousStartDate). NULL: it never moved.
ALTER TABLE events ADD COLUMN previous_starts_at TEXT;
