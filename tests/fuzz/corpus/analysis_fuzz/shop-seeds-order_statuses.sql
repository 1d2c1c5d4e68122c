-- Order statuses known to the 1.0.0 application.
INSERT INTO order_statuses (id, code, label, is_final) VALUES (1, 'pending', 'Awaiting payment', FALSE);
INSERT INTO order_statuses (id, code, label, is_final) VALUES (2, 'paid', 'Paid', FALSE);
INSERT INTO order_statuses (id, code, label, is_final) VALUES (3, 'shipped', 'Shipped', FALSE);
INSERT INTO order_statuses (id, code, label, is_final) VALUES (4, 'delivered', 'Delivered', TRUE);
INSERT INTO order_statuses (id, code, label, is_final) VALUES (5, 'cancelled', 'Cancelled', TRUE);
