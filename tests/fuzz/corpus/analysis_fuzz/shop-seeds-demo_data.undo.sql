-- Undoes demo_data.sql, children before parents.
DELETE FROM order_items WHERE id IN (1, 2, 3, 4, 5, 6);
DELETE FROM orders WHERE id IN (1, 2, 3, 4);
DELETE FROM customers WHERE id IN (1, 2, 3);
DELETE FROM products WHERE id IN (1, 2, 3, 4);
