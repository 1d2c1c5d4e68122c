-- Reverses 0015_customers_rename_full_name.up.sql.
-- The views of 0016 and 0017 that read display_name are dropped before this runs.
ALTER TABLE customers RENAME COLUMN display_name TO full_name;
