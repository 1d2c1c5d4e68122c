-- Lookups of orders by shipping method (warehouse dispatch screen).
CREATE INDEX idx_orders_shipping_method ON orders (shipping_method_id);
