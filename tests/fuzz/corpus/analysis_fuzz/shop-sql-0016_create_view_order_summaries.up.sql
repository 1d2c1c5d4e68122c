-- One row per order for the back office: who, what state, how much, how shipped.
CREATE VIEW order_summaries AS
SELECT o.id AS order_id,
       c.email AS customer_email,
       c.display_name AS customer_name,
       s.code AS status,
       sm.code AS shipping_method,
       o.item_count,
       o.total,
       o.placed_at
  FROM orders o
  JOIN customers c ON c.id = o.customer_id
  JOIN order_statuses s ON s.id = o.status_id
  LEFT JOIN shipping_methods sm ON sm.id = o.shipping_method_id;
