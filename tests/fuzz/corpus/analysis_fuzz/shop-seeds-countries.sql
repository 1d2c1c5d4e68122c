-- Countries the shop ships to.
INSERT INTO countries (code, name, eu_member) VALUES ('AU', 'Australia', FALSE);
INSERT INTO countries (code, name, eu_member) VALUES ('CA', 'Canada', FALSE);
INSERT INTO countries (code, name, eu_member) VALUES ('DE', 'Germany', TRUE);
INSERT INTO countries (code, name, eu_member) VALUES ('FR', 'France', TRUE);
INSERT INTO countries (code, name, eu_member) VALUES ('GB', 'United Kingdom', FALSE);
INSERT INTO countries (code, name, eu_member) VALUES ('IE', 'Ireland', TRUE);
INSERT INTO countries (code, name, eu_member) VALUES ('NL', 'Netherlands', TRUE);
INSERT INTO countries (code, name, eu_member) VALUES ('US', 'United States', FALSE);
