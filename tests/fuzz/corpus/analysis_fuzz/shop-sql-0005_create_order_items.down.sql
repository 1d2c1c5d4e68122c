-- Reverses 0005_create_order_items.up.sql.
DROP TABLE order_items;
