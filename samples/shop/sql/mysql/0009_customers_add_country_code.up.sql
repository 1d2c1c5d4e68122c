-- 0009_customers_add_country_code.up.sql on MySQL/MariaDB: the foreign key gets a name, so that
-- the down can drop it (MySQL will not drop a column a foreign key uses).
ALTER TABLE customers ADD COLUMN country_code VARCHAR(2) DEFAULT NULL,
  ADD CONSTRAINT customers_country_fk FOREIGN KEY (country_code) REFERENCES countries (code);
