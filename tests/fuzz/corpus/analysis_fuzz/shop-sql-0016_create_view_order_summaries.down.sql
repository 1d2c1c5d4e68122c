-- Reverses 0016_create_view_order_summaries.up.sql.
DROP VIEW order_summaries;
