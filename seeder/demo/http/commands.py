"""Command endpoints: one ``POST`` per command, path fields in the path, the rest in
a JSON body, ``201`` with the created resource on success.

Each endpoint only moves fields from the request into the application object's
flat payload; validation, rules and idempotency live below the adapter.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from seeder.demo.application import commands as c
from seeder.demo.http.deps import App, Authorization, IdempotencyKey, bearer_token

router = APIRouter(tags=["commands"])
Json = dict[str, Any]


def _payload(body: c.Body, **path: Any) -> Json:
    return {**body.model_dump(mode="json"), **path}


# library


@router.post("/tenants", status_code=201, summary="CreateTenant")
def create_tenant(body: c.CreateTenant, app: App, key: IdempotencyKey = None) -> Json:
    return app.create_tenant(_payload(body), idempotency_key=key)


@router.post("/tenants/{tenant_id}/authors", status_code=201, summary="RegisterAuthor")
def register_author(
    tenant_id: int, body: c.RegisterAuthorBody, app: App, key: IdempotencyKey = None
) -> Json:
    return app.register_author(_payload(body, tenant_id=tenant_id), idempotency_key=key)


@router.post("/tenants/{tenant_id}/books", status_code=201, summary="PublishBook")
def publish_book(
    tenant_id: int, body: c.PublishBookBody, app: App, key: IdempotencyKey = None
) -> Json:
    return app.publish_book(_payload(body, tenant_id=tenant_id), idempotency_key=key)


@router.post("/tenants/{tenant_id}/members", status_code=201, summary="RegisterMember")
def register_member(
    tenant_id: int, body: c.RegisterMemberBody, app: App, key: IdempotencyKey = None
) -> Json:
    return app.register_member(_payload(body, tenant_id=tenant_id), idempotency_key=key)


@router.post("/tenants/{tenant_id}/members/login", status_code=200, summary="LogInMember")
def log_in_member(
    tenant_id: int, body: c.LogInMemberBody, app: App, key: IdempotencyKey = None
) -> Json:
    """A new token for a member registered with a password; the old token is revoked."""
    return app.log_in_member(_payload(body, tenant_id=tenant_id), idempotency_key=key)


# removals (what `seeder undo` sends): dependents first, 404 when already gone

_REMOVALS = [
    ("/tenants/{tenant_id}", "remove_tenant"),
    ("/tenants/{tenant_id}/authors/{author_id}", "remove_author"),
    ("/tenants/{tenant_id}/books/{book_number}", "remove_book"),
    ("/tenants/{tenant_id}/members/{member_id}", "remove_member"),
    ("/tenants/{tenant_id}/loans/{loan_id}", "remove_loan"),
]


def _removal(name: str) -> Any:
    def remove(request: Request, app: App, key: IdempotencyKey = None) -> Json:
        payload = dict(request.path_params)
        return app.remove(name, payload, idempotency_key=key)

    remove.__name__ = name
    return remove


for _path, _name in _REMOVALS:
    router.add_api_route(_path, _removal(_name), methods=["DELETE"], summary=_name, status_code=200)


@router.post(
    "/tenants/{tenant_id}/books/{book_number}/loans", status_code=201, summary="BorrowBook"
)
def borrow_book(
    tenant_id: int,
    book_number: int,
    body: c.BorrowBookBody,
    app: App,
    authorization: Authorization = None,
    key: IdempotencyKey = None,
) -> Json:
    return app.borrow_book(
        _payload(body, tenant_id=tenant_id, book_number=book_number),
        credential=bearer_token(authorization),
        idempotency_key=key,
    )


# school


@router.post("/schools", status_code=201, summary="CreateSchool")
def create_school(body: c.CreateSchool, app: App, key: IdempotencyKey = None) -> Json:
    return app.create_school(_payload(body), idempotency_key=key)


@router.post("/schools/{centre_code}/staff", status_code=201, summary="HireStaff")
def hire_staff(
    centre_code: str, body: c.HireStaffBody, app: App, key: IdempotencyKey = None
) -> Json:
    return app.hire_staff(_payload(body, centre_code=centre_code), idempotency_key=key)


@router.post("/schools/{centre_code}/classes", status_code=201, summary="CreateClass")
def create_class(
    centre_code: str, body: c.CreateClassBody, app: App, key: IdempotencyKey = None
) -> Json:
    return app.create_class(_payload(body, centre_code=centre_code), idempotency_key=key)


@router.post("/schools/{centre_code}/students", status_code=201, summary="EnrolStudent")
def enrol_student(
    centre_code: str, body: c.EnrolStudentBody, app: App, key: IdempotencyKey = None
) -> Json:
    return app.enrol_student(_payload(body, centre_code=centre_code), idempotency_key=key)


@router.post(
    "/schools/{centre_code}/students/{enrolment_id}/parents",
    status_code=201,
    summary="AddParent",
)
def add_parent(
    centre_code: str,
    enrolment_id: str,
    body: c.AddParentBody,
    app: App,
    key: IdempotencyKey = None,
) -> Json:
    payload = _payload(body, centre_code=centre_code, enrolment_id=enrolment_id)
    return app.add_parent(payload, idempotency_key=key)


@router.post(
    "/schools/{centre_code}/students/{enrolment_id}/emergency-contacts",
    status_code=201,
    summary="AddEmergencyContact",
)
def add_emergency_contact(
    centre_code: str,
    enrolment_id: str,
    body: c.AddEmergencyContactBody,
    app: App,
    key: IdempotencyKey = None,
) -> Json:
    payload = _payload(body, centre_code=centre_code, enrolment_id=enrolment_id)
    return app.add_emergency_contact(payload, idempotency_key=key)


@router.post(
    "/schools/{centre_code}/students/{enrolment_id}/enrolment-history",
    status_code=201,
    summary="RecordEnrolment",
)
def record_enrolment(
    centre_code: str,
    enrolment_id: str,
    body: c.RecordEnrolmentBody,
    app: App,
    key: IdempotencyKey = None,
) -> Json:
    payload = _payload(body, centre_code=centre_code, enrolment_id=enrolment_id)
    return app.record_enrolment(payload, idempotency_key=key)


# energy


@router.post("/customers", status_code=201, summary="RegisterCustomer")
def register_customer(body: c.RegisterCustomer, app: App, key: IdempotencyKey = None) -> Json:
    return app.register_customer(_payload(body), idempotency_key=key)


@router.post("/customers/{customer_id}/meters", status_code=201, summary="InstallMeter")
def install_meter(
    customer_id: int, body: c.InstallMeterBody, app: App, key: IdempotencyKey = None
) -> Json:
    return app.install_meter(_payload(body, customer_id=customer_id), idempotency_key=key)


@router.post("/meters/{meter_id}/readings", status_code=201, summary="RecordReading")
def record_reading(
    meter_id: str, body: c.RecordReadingBody, app: App, key: IdempotencyKey = None
) -> Json:
    return app.record_reading(_payload(body, meter_id=meter_id), idempotency_key=key)
