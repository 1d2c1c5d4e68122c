-- Reverses 0009_customers_add_country_code.up.sql.
ALTER TABLE customers DROP COLUMN country_code;
