"""Storage adapters: one :class:`~seeder.demo.storage.sql.Database` port, two
backends (SQLite through the standard library, PostgreSQL through psycopg 3), and
repositories written once in the SQL both understand."""
