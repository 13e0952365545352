CREATE TABLE audit_events (
  id          VARCHAR(36) PRIMARY KEY,
  module      VARCHAR(64) NOT NULL,
  action      VARCHAR(64) NOT NULL,
  detail      TEXT,
  occurred_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
/* Most reads are "latest events of a module". */
CREATE INDEX audit_events_module_time ON audit_events (module, occurred_at);
