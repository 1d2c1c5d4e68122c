-- Reverses 0008_orders_add_item_count.up.sql (the backfilled values go with the column).
ALTER TABLE orders DROP COLUMN item_count;
