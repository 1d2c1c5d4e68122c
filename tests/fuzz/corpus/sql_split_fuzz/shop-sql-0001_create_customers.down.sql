-- Reverses 0001_create_customers.up.sql.
DROP TABLE customers;
