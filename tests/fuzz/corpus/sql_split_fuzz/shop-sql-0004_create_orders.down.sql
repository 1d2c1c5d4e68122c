-- Reverses 0004_create_orders.up.sql.
DROP TABLE orders;
