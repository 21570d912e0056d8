"""A principal's billing: services, tariffs, norms, personal accounts, meters, readings, periods, charges.

Every table here lives in the principal's own schema.
"""
