-- 1.1.0 can refund delivered orders.
INSERT INTO order_statuses (id, code, label, is_final) VALUES (6, 'refunded', 'Refunded', TRUE);
