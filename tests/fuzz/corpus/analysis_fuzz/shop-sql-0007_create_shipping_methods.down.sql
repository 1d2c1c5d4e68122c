-- Reverses 0007_create_shipping_methods.up.sql.
DROP TABLE shipping_methods;
