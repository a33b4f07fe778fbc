DROP TABLE audit_log;
DROP TABLE api_clients;
DROP TABLE organizations;
DROP TABLE rule_parameters;
DROP TABLE regions;
