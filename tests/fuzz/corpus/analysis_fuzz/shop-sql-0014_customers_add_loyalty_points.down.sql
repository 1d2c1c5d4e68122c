-- Reverses 0014_customers_add_loyalty_points.up.sql (the backfilled balances go with the column).
ALTER TABLE customers DROP COLUMN loyalty_points;
