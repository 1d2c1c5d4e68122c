-- Reverses 0003_create_order_statuses.up.sql.
DROP TABLE order_statuses;
