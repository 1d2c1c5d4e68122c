-- Undoes shipping_methods.sql.
DELETE FROM shipping_methods WHERE id IN (1, 2, 3);
