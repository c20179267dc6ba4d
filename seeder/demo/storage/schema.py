"""The service's tables, created when a database is opened (idempotently, so
several instances may share one database).

Unique constraints are named after the rule they enforce, so a write that loses a
race to a concurrent transaction is still answered with the rule's name. Dates and
timestamps are ISO-8601 text; timestamps are UTC with a fixed width, so text order
is time order.
"""

from __future__ import annotations

_TABLES = """
CREATE TABLE IF NOT EXISTS tenants (
  id {identity}, name TEXT NOT NULL, plan TEXT NOT NULL,
  next_book_number INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS authors (
  id {identity}, tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  name TEXT NOT NULL, birth_year INTEGER);
CREATE INDEX IF NOT EXISTS authors_by_tenant ON authors (tenant_id, id);
CREATE TABLE IF NOT EXISTS books (
  tenant_id BIGINT NOT NULL REFERENCES tenants (id), number BIGINT NOT NULL,
  author_id BIGINT NOT NULL REFERENCES authors (id), isbn TEXT NOT NULL,
  title TEXT NOT NULL, subtitle TEXT, status TEXT NOT NULL, published_on TEXT,
  CONSTRAINT book_number_taken PRIMARY KEY (tenant_id, number),
  CONSTRAINT isbn_taken UNIQUE (tenant_id, isbn));
CREATE TABLE IF NOT EXISTS members (
  id {identity}, tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  name TEXT NOT NULL, email TEXT NOT NULL, token_sha256 TEXT NOT NULL UNIQUE,
  password_sha256 TEXT);
CREATE INDEX IF NOT EXISTS members_by_tenant ON members (tenant_id, id);
CREATE TABLE IF NOT EXISTS loans (
  id {identity}, tenant_id BIGINT NOT NULL, book_number BIGINT NOT NULL,
  member_id BIGINT NOT NULL REFERENCES members (id), due_on TEXT, returned_on TEXT,
  FOREIGN KEY (tenant_id, book_number) REFERENCES books (tenant_id, number));
CREATE UNIQUE INDEX IF NOT EXISTS book_on_loan ON loans (tenant_id, book_number)
  WHERE returned_on IS NULL;
CREATE INDEX IF NOT EXISTS active_loans_by_member ON loans (member_id)
  WHERE returned_on IS NULL;

CREATE TABLE IF NOT EXISTS schools (
  centre_code TEXT NOT NULL, name TEXT NOT NULL, suburb TEXT,
  CONSTRAINT centre_code_taken PRIMARY KEY (centre_code));
CREATE TABLE IF NOT EXISTS staff (
  staff_id TEXT NOT NULL, centre_code TEXT NOT NULL REFERENCES schools (centre_code),
  given_name TEXT NOT NULL, family_name TEXT NOT NULL, role TEXT NOT NULL,
  email TEXT NOT NULL, photo_url TEXT,
  CONSTRAINT staff_id_taken PRIMARY KEY (staff_id));
CREATE INDEX IF NOT EXISTS staff_by_school ON staff (centre_code, staff_id);
CREATE TABLE IF NOT EXISTS classes (
  centre_code TEXT NOT NULL REFERENCES schools (centre_code), class_code TEXT NOT NULL,
  year_level INTEGER NOT NULL, teacher_staff_id TEXT NOT NULL REFERENCES staff (staff_id),
  CONSTRAINT class_code_taken PRIMARY KEY (centre_code, class_code));
CREATE TABLE IF NOT EXISTS sequences (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS students (
  enrolment_id TEXT PRIMARY KEY, centre_code TEXT NOT NULL, class_code TEXT NOT NULL,
  given_name TEXT NOT NULL, family_name TEXT NOT NULL, date_of_birth TEXT NOT NULL,
  gender TEXT NOT NULL, street TEXT NOT NULL, suburb TEXT NOT NULL, postcode TEXT NOT NULL,
  photo_url TEXT, flags TEXT NOT NULL,
  FOREIGN KEY (centre_code, class_code) REFERENCES classes (centre_code, class_code));
CREATE INDEX IF NOT EXISTS students_by_school ON students (centre_code, enrolment_id);
CREATE TABLE IF NOT EXISTS parents (
  id {identity}, enrolment_id TEXT NOT NULL REFERENCES students (enrolment_id),
  given_name TEXT NOT NULL, family_name TEXT NOT NULL, relationship TEXT NOT NULL,
  phone TEXT NOT NULL, email TEXT);
CREATE INDEX IF NOT EXISTS parents_by_student ON parents (enrolment_id, id);
CREATE TABLE IF NOT EXISTS emergency_contacts (
  id {identity}, enrolment_id TEXT NOT NULL REFERENCES students (enrolment_id),
  name TEXT NOT NULL, phone TEXT NOT NULL, relationship TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS contacts_by_student ON emergency_contacts (enrolment_id, id);
CREATE TABLE IF NOT EXISTS enrolments (
  id {identity}, enrolment_id TEXT NOT NULL REFERENCES students (enrolment_id),
  class_code TEXT NOT NULL, start_date TEXT NOT NULL, end_date TEXT,
  recorded_by_staff_id TEXT NOT NULL REFERENCES staff (staff_id));
CREATE INDEX IF NOT EXISTS enrolments_by_student ON enrolments (enrolment_id, start_date);

CREATE TABLE IF NOT EXISTS customers (
  id {identity}, name TEXT NOT NULL, email TEXT NOT NULL, tariff TEXT NOT NULL,
  postcode TEXT);
CREATE TABLE IF NOT EXISTS meters (
  meter_id TEXT NOT NULL, customer_id BIGINT NOT NULL REFERENCES customers (id),
  kind TEXT NOT NULL, installed_on TEXT NOT NULL, last_taken_at TEXT,
  last_value DOUBLE PRECISION,
  CONSTRAINT meter_id_taken PRIMARY KEY (meter_id));
CREATE INDEX IF NOT EXISTS meters_by_customer ON meters (customer_id, meter_id);
CREATE TABLE IF NOT EXISTS readings (
  id {identity}, meter_id TEXT NOT NULL REFERENCES meters (meter_id),
  taken_at TEXT NOT NULL, value DOUBLE PRECISION NOT NULL);
CREATE INDEX IF NOT EXISTS readings_by_meter ON readings (meter_id, taken_at);

CREATE TABLE IF NOT EXISTS idempotency_keys (
  key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, status INTEGER NOT NULL,
  body TEXT NOT NULL);
INSERT INTO sequences (name, value) VALUES ('enrolment', 0) ON CONFLICT DO NOTHING;
"""

# What each count of ``GET /_counts`` counts, in the order it is reported.
COUNTED_TABLES: dict[str, str] = {
    "tenants": "tenants",
    "authors": "authors",
    "books": "books",
    "members": "members",
    "loans": "loans",
    "schools": "schools",
    "classes": "classes",
    "staff": "staff",
    "students": "students",
    "parents": "parents",
    "emergency_contacts": "emergency_contacts",
    "enrolments": "enrolments",
    "customers": "customers",
    "meters": "meters",
    "readings": "readings",
}


def statements(identity: str) -> list[str]:
    """The schema's statements, with ``identity`` as the auto-increment key type."""
    text = _TABLES.replace("{identity}", identity)
    return [s.strip() for s in text.split(";") if s.strip()]
