DROP INDEX audit_events_module_time;
DROP TABLE audit_events;
