"""The agent administers its principals: creating them (schema, domain), their names and codes, agency contracts, and
the four-eyes changes of their bank requisites. Provisioning a schema stays in ``tenants.provisioning``."""
