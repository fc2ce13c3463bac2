"""The store: the driver, the one repository that calls it, the schema, the embedded server and the
Cypher.
"""
