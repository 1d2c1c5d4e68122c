-- Shipping methods offered at checkout.
INSERT INTO shipping_methods (id, code, name, base_fee, active) VALUES (1, 'standard', 'Standard (3-5 days)', 4.90, TRUE);
INSERT INTO shipping_methods (id, code, name, base_fee, active) VALUES (2, 'express', 'Express (next day)', 12.00, TRUE);
INSERT INTO shipping_methods (id, code, name, base_fee, active) VALUES (3, 'pickup', 'Pick up in store', 0.00, TRUE);
