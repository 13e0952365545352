-- Dropping the table drops its index on every engine (MySQL's DROP INDEX would need `ON audit_events`).
DROP TABLE audit_events;
