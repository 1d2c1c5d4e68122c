-- Reverses 0006_create_countries.up.sql.
DROP TABLE countries;
