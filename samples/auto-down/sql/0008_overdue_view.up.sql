CREATE VIEW overdue AS
  SELECT b.title, l.due FROM loans l JOIN books b ON b.id = l.book_id WHERE l.due < current_date;
