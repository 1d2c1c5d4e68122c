CREATE TABLE books (
  id integer PRIMARY KEY,
  title text NOT NULL,
  pages integer NOT NULL DEFAULT 0,
  shelf varchar(8)
);
INSERT INTO books VALUES (1, 'Dune', 412, 'A3'), (2, 'Emma', 474, 'B1'), (3, 'Ulysses', 730, NULL);
