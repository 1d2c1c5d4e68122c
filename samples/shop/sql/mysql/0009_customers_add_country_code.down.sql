-- Reverses mysql/0009_customers_add_country_code.up.sql: the foreign key, then the column (its
-- index goes with it).
ALTER TABLE customers DROP FOREIGN KEY customers_country_fk;
ALTER TABLE customers DROP COLUMN country_code;
