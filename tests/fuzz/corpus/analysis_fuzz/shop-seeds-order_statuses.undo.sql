-- Undoes order_statuses.sql.
DELETE FROM order_statuses WHERE id IN (1, 2, 3, 4, 5);
