-- Reverses 0002_create_products.up.sql.
DROP TABLE products;
