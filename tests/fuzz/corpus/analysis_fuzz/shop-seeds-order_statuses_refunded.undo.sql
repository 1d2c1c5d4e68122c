-- Undoes order_statuses_refunded.sql. Fails (foreign key) while orders still use the status:
-- move them to another status first.
DELETE FROM order_statuses WHERE id = 6;
