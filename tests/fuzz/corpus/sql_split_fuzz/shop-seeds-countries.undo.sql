-- Undoes countries.sql.
DELETE FROM countries WHERE code IN ('AU', 'CA', 'DE', 'FR', 'GB', 'IE', 'NL', 'US');
