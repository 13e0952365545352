-- A view across three modules' tables.
CREATE VIEW order_totals AS
SELECT o.id AS order_id,
       o.customer_id,
       SUM(l.quantity * l.price_cents) AS total_cents
  FROM orders o
  JOIN order_lines l ON l.order_id = o.id
 GROUP BY o.id, o.customer_id;
