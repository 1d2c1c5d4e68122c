-- Reverses 0017_create_view_customer_loyalty.up.sql.
DROP VIEW customer_loyalty;
