CREATE INDEX books_by_title ON books (title);
