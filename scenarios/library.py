"""The library scenario written with the Python API: the same objects that
library.yaml builds, so both plan byte-identical command logs (a test proves it)."""

from seeder import Choice, DateRange, Entity, Fake, From, Range, Ref, Scenario, Seq

scenario = Scenario(
    seed=42,
    commands="../commands/library.py",
    entities={
        "tenant": Entity(
            command="CreateTenant",
            fields={
                "name": Seq("Tenant {n:03d}"),
                "plan": Choice(["free", "team", "enterprise"], [0.6, 0.3, 0.1]),
            },
        ),
        "author": Entity(
            command="RegisterAuthor",
            fields={
                "tenant_id": Ref("tenant"),
                "name": Fake("name"),
                "birth_year": Range(1920, 2000, null_weight=0.2),
            },
        ),
        "book": Entity(
            command="PublishBook",
            count=5000,
            unique=[("tenant_id", "isbn")],
            fields={
                "tenant_id": Ref("tenant", mean=500, skew=2.0),
                "author_id": Ref(
                    "author",
                    mean=50,
                    weights=[0.7, 0.2, 0.07, 0.03],
                    where={"tenant_id": "$tenant_id"},
                ),
                "isbn": Fake("isbn13"),
                "title": Fake("sentence", {"nb_words": 4}),
                "subtitle": Fake("sentence", {"nb_words": 6}, null_weight=0.4),
                "status": Choice(["published", "draft"], [0.85, 0.15]),
                "published_on": DateRange("1990-01-01", "2026-06-30"),
            },
        ),
        "member": Entity(
            command="RegisterMember",
            count=300,
            fields={
                "tenant_id": From("via_book.tenant_id"),
                "name": Fake("name"),
                "email": Fake("email"),
            },
            vars={"via_book": Ref("book")},
        ),
        "loan": Entity(
            command="BorrowBook",
            per="member",
            count=Range(0, 5),
            actor="parent",
            unique=[("tenant_id", "book_number")],
            fields={
                "tenant_id": From("parent.tenant_id"),
                "member_id": From("parent"),
                "book_number": Ref(
                    "book", where={"tenant_id": "$tenant_id", "status": "published"}
                ),
                "due_on": DateRange("2026-12-01", "2027-01-31"),
            },
        ),
    },
)
