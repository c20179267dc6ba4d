"""Read endpoints: counts, single records and paged lists, for verifying what a
seeding run made. Faults never touch them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query

from seeder.demo.http.deps import App

router = APIRouter(tags=["reads"])
Json = dict[str, Any]
Offset = Annotated[int, Query(ge=0)]
Limit = Annotated[int, Query(ge=1, le=10_000)]
NavigationPage = Annotated[int, Query(alias="navigationPage", ge=0)]
NavigationPageSize = Annotated[int, Query(alias="navigationPageSize", ge=1, le=500)]

STUDENT_API = "/qt_student/school-api/schools/{centre_code}"
STAFF_API = "/qt_staff/school-api/schools/{centre_code}"


@router.get("/_counts", summary="How many of each entity exist")
def counts(app: App) -> dict[str, int]:
    return app.counts()


@router.get("/tenants", summary="Tenants, or those with a name (a lookup)")
def tenants(app: App, offset: Offset = 0, limit: Limit = 1000, name: str | None = None) -> Json:
    return app.queries.tenants(offset=offset, limit=limit, name=name)


@router.get("/tenants/{tenant_id}")
def tenant(tenant_id: int, app: App) -> Json:
    return app.queries.get("tenant", tenant_id)


@router.get("/customers/{customer_id}")
def customer(customer_id: int, app: App) -> Json:
    return app.queries.get("customer", customer_id)


@router.get("/meters/{meter_id}")
def meter(meter_id: str, app: App) -> Json:
    return app.queries.get("meter", meter_id)


@router.get("/schools/{centre_code}")
def school(centre_code: str, app: App) -> Json:
    return app.queries.get("school", centre_code)


@router.get("/tenants/{tenant_id}/authors")
def authors(
    tenant_id: int, app: App, offset: Offset = 0, limit: Limit = 1000, name: str | None = None
) -> Json:
    filters = {"name": name}
    return app.queries.list_view("authors", tenant_id, offset=offset, limit=limit, filters=filters)


@router.get("/tenants/{tenant_id}/books")
def books(
    tenant_id: int, app: App, offset: Offset = 0, limit: Limit = 1000, isbn: str | None = None
) -> Json:
    filters = {"isbn": isbn}
    return app.queries.list_view("books", tenant_id, offset=offset, limit=limit, filters=filters)


@router.get("/tenants/{tenant_id}/members", summary="Members (tokens are never shown)")
def members(
    tenant_id: int, app: App, offset: Offset = 0, limit: Limit = 1000, email: str | None = None
) -> Json:
    filters = {"email": email}
    return app.queries.list_view("members", tenant_id, offset=offset, limit=limit, filters=filters)


@router.get("/tenants/{tenant_id}/loans")
def loans(
    tenant_id: int,
    app: App,
    offset: Offset = 0,
    limit: Limit = 1000,
    book_number: int | None = None,
    member_id: int | None = None,
) -> Json:
    filters = {"book_number": book_number, "member_id": member_id}
    return app.queries.list_view("loans", tenant_id, offset=offset, limit=limit, filters=filters)


@router.get("/customers/{customer_id}/meters")
def meters(customer_id: int, app: App, offset: Offset = 0, limit: Limit = 1000) -> Json:
    return app.queries.list_view("meters", customer_id, offset=offset, limit=limit)


@router.get("/meters/{meter_id}/readings", summary="Readings of a meter, oldest first")
def readings(meter_id: str, app: App, offset: Offset = 0, limit: Limit = 1000) -> Json:
    return app.queries.list_view("readings", meter_id, offset=offset, limit=limit)


def _school_list(view: str) -> Callable[..., Json]:
    def school_page(
        centre_code: str, app: App, page: NavigationPage = 0, size: NavigationPageSize = 50
    ) -> Json:
        return app.queries.school_list(view, centre_code, page=page, size=size)

    return school_page


_SCHOOL_LISTS = [
    ("/schools/{centre_code}/classes", "classes"),
    (STUDENT_API + "/students", "students"),
    (STUDENT_API + "/photos", "photos"),
    (STUDENT_API + "/flags", "flags"),
    (STUDENT_API + "/addresses", "addresses"),
    (STUDENT_API + "/parents", "parents"),
    (STUDENT_API + "/emergency-contacts", "emergency-contacts"),
    (STUDENT_API + "/enrolment-history", "enrolment-history"),
    (STAFF_API + "/staff", "staff"),
    (STAFF_API + "/photos", "staff-photos"),  # the hub's own path for staff photos
]
for _path, _view in _SCHOOL_LISTS:
    router.add_api_route(
        _path,
        _school_list(_view),
        methods=["GET"],
        name=f"school_{_view}",
        summary=f"School {_view}, paged by navigationPage/navigationPageSize",
    )
# the demo's first path for staff photos, kept for the clients that use it
router.add_api_route(
    STAFF_API + "/staff/photos",
    _school_list("staff-photos"),
    methods=["GET"],
    name="school_staff-photos_alias",
    summary="School staff photos (alias of /qt_staff/school-api/schools/{centre_code}/photos)",
    deprecated=True,
)
