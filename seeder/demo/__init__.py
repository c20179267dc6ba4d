"""The embedded demo service: a small CQRS service that ``seeder`` seeds.

Hexagonal layout: ``domain`` holds the rules, ``application`` the commands, their
handlers and the read side, ``storage`` the database adapters (SQLite, PostgreSQL)
and ``http`` the FastAPI adapter. ``app`` wires them together; ``server`` runs it.
The seeder core never imports this package; it is the optional ``demo`` extra.
"""
