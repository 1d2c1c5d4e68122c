-- Customers' country, for shipping. Nullable: existing customers have none yet.
-- SQLite requires DEFAULT NULL for a column added with REFERENCES.
ALTER TABLE customers ADD COLUMN country_code VARCHAR(2) DEFAULT NULL REFERENCES countries (code);
