-- Denormalised number of items per order, for the order list screen.
ALTER TABLE orders ADD COLUMN item_count INTEGER NOT NULL DEFAULT 0;

-- Backfill existing orders from their lines.
UPDATE orders
   SET item_count = (SELECT COALESCE(SUM(oi.quantity), 0)
                       FROM order_items oi
                      WHERE oi.order_id = orders.id);
