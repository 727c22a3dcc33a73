"""The people JSON API: registration, own profile, pause/resume and staff screening."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.audit.service import entries_for
from app.auth.models import User
from app.people.models import IntakeStatus, Newcomer, Person, VettingStatus, Volunteer
from tests.factories import PASSWORD, bearer, make_newcomer, make_staff, make_volunteer


def newcomer_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "email": "Olena@Example.org",
        "password": "sunflower fields 42",
        "first_name": "Olena",
        "last_name": "Kovalenko",
        "year_of_birth": 1988,
        "gender": "female",
        "buddy_gender": "any",
        "locale": "en",
        "languages": [{"code": "uk", "level": "native"}, {"code": "nl", "level": "basic"}],
        "availability": ["tue-evening", "sat-afternoon"],
        "location": {"neighbourhood": "ragheno"},
        "interests": ["painting"],
        "goals": ["dutch", "work"],
        "consent": True,
        "arrived_on": "2026-03-02",
        "civic_integration": True,
        "note": "Has a daughter of six.",
    }
    body.update(overrides)
    return body


def volunteer_body(**overrides: Any) -> dict[str, Any]:
    body = newcomer_body(
        email="Wout@Example.org",
        first_name="Wout",
        last_name="Claes",
        gender="male",
        languages=[{"code": "nl", "level": "native"}, {"code": "en", "level": "fluent"}],
        bio="Cyclist and cook.",
        max_buddies=2,
    )
    for key in ("arrived_on", "civic_integration", "note"):
        body.pop(key)
    body.update(overrides)
    return body


def rows(db: Session, model: type[Any]) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def error_fields(response: Any) -> set[str]:
    """The fields named by a 422: the innermost (``level``) and the top one (``languages``)."""
    errors = response.json()["errors"]
    return {e["field"] for e in errors} | {e["loc"][0] for e in errors if e["loc"]}


# --- public --------------------------------------------------------------------------------


def test_neighbourhoods_are_public(client: TestClient) -> None:
    response = client.get("/api/v1/neighbourhoods")
    assert response.status_code == 200
    ids = [n["id"] for n in response.json()]
    assert "binnenstad" in ids
    assert set(response.json()[0]) == {"id", "name", "lat", "lon"}


def test_newcomer_self_registration(client: TestClient, db: Session) -> None:
    response = client.post("/api/v1/newcomers", json=newcomer_body())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["kind"] == "newcomer"
    assert body["intake_status"] == "pending"
    assert body["neighbourhood"] == "ragheno"
    assert body["civic_integration"] is True
    assert body["arrived_on"] == "2026-03-02"
    assert {(lang["code"], lang["level"]) for lang in body["languages"]} == {
        ("uk", "native"),
        ("nl", "basic"),
    }
    assert "password" not in body
    assert "password_hash" not in body
    # The new account can log in (email is case-insensitive) and read its profile.
    headers = bearer(client, "olena@example.org", "sunflower fields 42")
    me = client.get("/api/v1/me", headers=headers).json()
    assert me["user"]["email"] == "olena@example.org"
    assert me["user"]["role"] == "newcomer"
    assert me["profile"]["id"] == body["id"]
    assert entries_for(db, "newcomer", body["id"]) == []


def test_staff_register_newcomer_on_behalf(client: TestClient, db: Session) -> None:
    staff = make_staff(db)
    db.commit()
    response = client.post(
        "/api/v1/newcomers", json=newcomer_body(), headers=bearer(client, staff.email)
    )
    assert response.status_code == 201, response.text
    assert response.json()["intake_status"] == "approved"
    (entry,) = entries_for(db, "newcomer", response.json()["id"])
    assert (entry.actor_id, entry.action) == (staff.id, "newcomer.registered_by_staff")


def test_registration_with_a_non_staff_or_bad_token(client: TestClient, db: Session) -> None:
    newcomer = make_newcomer(db)
    db.commit()
    headers = bearer(client, newcomer.user.email)
    assert (
        client.post("/api/v1/newcomers", json=newcomer_body(), headers=headers).status_code == 403
    )
    assert (
        client.post("/api/v1/volunteers", json=volunteer_body(), headers=headers).status_code == 403
    )
    bad = {"Authorization": "Bearer not-a-token"}
    assert client.post("/api/v1/newcomers", json=newcomer_body(), headers=bad).status_code == 401
    assert rows(db, User) == 1


def test_volunteer_self_registration(client: TestClient) -> None:
    response = client.post("/api/v1/volunteers", json=volunteer_body())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["kind"] == "volunteer"
    assert body["vetting_status"] == "pending"
    assert body["max_buddies"] == 2
    assert "vetting_note" not in body  # staff's internal note


def test_point_location(client: TestClient) -> None:
    response = client.post(
        "/api/v1/newcomers", json=newcomer_body(location={"lat": 51.011, "lon": 4.4475})
    )
    assert response.status_code == 201, response.text
    assert response.json()["neighbourhood"] == "battel"
    assert response.json()["lat"] == 51.011


def test_duplicate_email_is_409(client: TestClient, db: Session) -> None:
    make_volunteer(db, email="olena@example.org")
    db.commit()
    response = client.post("/api/v1/newcomers", json=newcomer_body(email="OLENA@example.org"))
    assert response.status_code == 409
    assert response.json()["field"] == "email"
    assert rows(db, Newcomer) == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"languages": [{"code": "zz9", "level": "basic"}]}, "languages"),
        ({"languages": [{"code": "nl", "level": "superb"}]}, "languages"),
        ({"languages": [{"code": "uk", "level": "native"}]}, "languages"),  # no Dutch
        ({"availability": ["mon-morning", "someday"]}, "availability"),
        ({"location": {"lat": 50.8467, "lon": 4.3525}}, "location"),  # Brussels
        ({"location": {"neighbourhood": "atlantis"}}, "location"),
        ({"consent": False}, "consent"),
        ({"password": "short"}, "password"),
        ({"password": "password123"}, "password"),
        ({"year_of_birth": 2015}, "year_of_birth"),
        ({"locale": "de"}, "locale"),
        ({"role": "staff"}, "role"),
        ({"intake_status": "approved"}, "intake_status"),
    ],
)
def test_registration_errors_are_422_naming_the_field(
    client: TestClient, db: Session, overrides: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/newcomers", json=newcomer_body(**overrides))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["detail"]
    assert field in error_fields(response)
    for error in body["errors"]:
        assert set(error) == {"field", "loc", "message", "type"}
    assert rows(db, User) == 0
    assert rows(db, Person) == 0


def test_missing_consent_field_and_messages_are_translated(client: TestClient, db: Session) -> None:
    body = newcomer_body()
    del body["consent"]
    response = client.post("/api/v1/newcomers", json=body, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "consent" in error_fields(response)


def test_volunteer_needs_conversational_dutch(client: TestClient, db: Session) -> None:
    response = client.post(
        "/api/v1/volunteers",
        json=volunteer_body(languages=[{"code": "nl", "level": "basic"}]),
    )
    assert response.status_code == 422
    assert "languages" in error_fields(response)
    assert rows(db, User) == 0


# --- own profile ---------------------------------------------------------------------------


def test_me_requires_authentication(client: TestClient) -> None:
    assert client.get("/api/v1/me").status_code == 401
    assert client.patch("/api/v1/me", json={}).status_code == 401


def test_me_for_staff_has_no_profile(client: TestClient, db: Session) -> None:
    staff = make_staff(db)
    db.commit()
    headers = bearer(client, staff.email)
    body = client.get("/api/v1/me", headers=headers).json()
    assert body["profile"] is None
    assert body["user"]["role"] == "staff"
    assert client.patch("/api/v1/me", json={"first_name": "X"}, headers=headers).status_code == 403


def test_patch_me_partial_update(client: TestClient, db: Session) -> None:
    newcomer = make_newcomer(db)
    db.commit()
    headers = bearer(client, newcomer.user.email)
    response = client.patch(
        "/api/v1/me",
        headers=headers,
        json={
            "first_name": "Ami",
            "locale": "fr",
            "availability": ["wed-morning"],
            "location": {"neighbourhood": "walem"},
            "phone": "+32 470 12 34 56",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["locale"] == "fr"
    assert body["profile"]["first_name"] == "Ami"
    assert body["profile"]["last_name"] == "Haddad"
    assert body["profile"]["availability"] == ["wed-morning"]
    assert body["profile"]["neighbourhood"] == "walem"
    response = client.patch("/api/v1/me", headers=headers, json={"phone": None})
    assert response.json()["profile"]["phone"] is None


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"email": "new@example.org"}, "email"),
        ({"intake_status": "approved"}, "intake_status"),
        ({"role": "staff"}, "role"),
        ({"bio": "volunteer field"}, "bio"),
        ({"first_name": None}, "first_name"),
        ({"languages": [{"code": "ar", "level": "native"}]}, "languages"),
        ({"location": {"lat": 10.0, "lon": 10.0}}, "location"),
        ({"locale": "xx"}, "locale"),
    ],
)
def test_patch_me_refusals(
    client: TestClient, db: Session, patch: dict[str, Any], field: str
) -> None:
    newcomer = make_newcomer(db, intake=IntakeStatus.pending)
    db.commit()
    response = client.patch("/api/v1/me", headers=bearer(client, newcomer.user.email), json=patch)
    assert response.status_code == 422, response.text
    assert field in error_fields(response)
    db.expire_all()
    stored = db.get(Newcomer, newcomer.id)
    assert stored is not None
    assert stored.intake_status is IntakeStatus.pending
    assert stored.first_name == "Amina"


def test_volunteer_patch_and_pause_resume(client: TestClient, db: Session) -> None:
    volunteer = make_volunteer(db, vetting=VettingStatus.approved)
    db.commit()
    headers = bearer(client, volunteer.user.email)
    response = client.patch(
        "/api/v1/me", headers=headers, json={"bio": "New bio", "max_buddies": 3}
    )
    assert response.status_code == 200, response.text
    assert response.json()["profile"]["max_buddies"] == 3
    assert client.patch("/api/v1/me", headers=headers, json={"max_buddies": 9}).status_code == 422
    assert client.patch("/api/v1/me", headers=headers, json={"note": "x"}).status_code == 422
    response = client.post("/api/v1/me/pause", headers=headers)
    assert response.status_code == 200
    assert response.json()["vetting_status"] == "paused"
    response = client.post("/api/v1/me/resume", headers=headers)
    assert response.json()["vetting_status"] == "approved"


def test_pause_refused_for_pending_volunteer_and_others(client: TestClient, db: Session) -> None:
    volunteer = make_volunteer(db, vetting=VettingStatus.pending)
    newcomer = make_newcomer(db)
    db.commit()
    response = client.post("/api/v1/me/pause", headers=bearer(client, volunteer.user.email))
    assert response.status_code == 409
    assert (
        client.post("/api/v1/me/pause", headers=bearer(client, newcomer.user.email)).status_code
        == 403
    )
    assert client.post("/api/v1/me/resume").status_code == 401


# --- staff ---------------------------------------------------------------------------------


def test_staff_lists_with_filters_and_pagination(client: TestClient, db: Session) -> None:
    staff = make_staff(db)
    for _ in range(3):
        make_volunteer(db, vetting=VettingStatus.pending)
    make_volunteer(db, vetting=VettingStatus.approved, email="special.one@example.org")
    make_newcomer(db, intake=IntakeStatus.pending)
    make_newcomer(db, intake=IntakeStatus.approved)
    db.commit()
    headers = bearer(client, staff.email)
    page = client.get("/api/v1/volunteers?status=pending&limit=2", headers=headers).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (3, 2, 0, 2)
    page2 = client.get("/api/v1/volunteers?status=pending&limit=2&offset=2", headers=headers).json()
    assert len(page2["items"]) == 1
    all_ids = {v["id"] for v in page["items"] + page2["items"]}
    assert len(all_ids) == 3
    found = client.get("/api/v1/volunteers?q=SPECIAL", headers=headers).json()
    assert [v["email"] for v in found["items"]] == ["special.one@example.org"]
    assert "vetting_note" in found["items"][0]
    newcomers = client.get("/api/v1/newcomers?status=approved", headers=headers).json()
    assert newcomers["total"] == 1
    assert newcomers["items"][0]["intake_status"] == "approved"
    assert client.get("/api/v1/volunteers?status=bogus", headers=headers).status_code == 422
    assert client.get("/api/v1/newcomers?limit=0", headers=headers).status_code == 422


def test_staff_get_one_and_404(client: TestClient, db: Session) -> None:
    staff = make_staff(db)
    volunteer = make_volunteer(db)
    newcomer = make_newcomer(db)
    db.commit()
    headers = bearer(client, staff.email)
    assert (
        client.get(f"/api/v1/volunteers/{volunteer.id}", headers=headers).json()["id"]
        == volunteer.id
    )
    assert (
        client.get(f"/api/v1/newcomers/{newcomer.id}", headers=headers).json()["id"] == newcomer.id
    )
    assert client.get(f"/api/v1/volunteers/{newcomer.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/newcomers/{volunteer.id}", headers=headers).status_code == 404
    assert client.get("/api/v1/newcomers/999999", headers=headers).status_code == 404


def test_vetting_flow(client: TestClient, db: Session) -> None:
    staff = make_staff(db)
    volunteer = make_volunteer(db, vetting=VettingStatus.pending)
    db.commit()
    headers = bearer(client, staff.email)
    url = f"/api/v1/volunteers/{volunteer.id}/vetting"
    response = client.post(url, headers=headers, json={"decision": "approved", "note": "Good talk"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["vetting_status"], body["vetting_note"], body["vetted_by_id"]) == (
        "approved",
        "Good talk",
        staff.id,
    )
    # The same decision again is a conflict; a nonsense decision is invalid.
    assert client.post(url, headers=headers, json={"decision": "approved"}).status_code == 409
    response = client.post(url, headers=headers, json={"decision": "paused"})
    assert response.status_code == 422
    assert "decision" in error_fields(response)
    assert (
        client.post(
            "/api/v1/volunteers/999999/vetting", headers=headers, json={"decision": "approved"}
        ).status_code
        == 404
    )
    (entry,) = entries_for(db, "volunteer", volunteer.id)
    assert (entry.actor_id, entry.detail["decision"]) == (staff.id, "approved")


def test_intake_flow(client: TestClient, db: Session) -> None:
    staff = make_staff(db)
    newcomer = make_newcomer(db, intake=IntakeStatus.pending)
    db.commit()
    headers = bearer(client, staff.email)
    url = f"/api/v1/newcomers/{newcomer.id}/intake"
    response = client.post(
        url, headers=headers, json={"decision": "rejected", "note": "Lives in Antwerp"}
    )
    assert response.status_code == 200
    assert response.json()["intake_status"] == "rejected"
    assert client.post(url, headers=headers, json={"decision": "pending"}).status_code == 422
    assert client.post(url, headers=headers, json={"decision": "approved"}).status_code == 200
    db.expire_all()
    assert rows(db, AuditEntry) == 2


def test_staff_endpoints_refuse_other_roles(client: TestClient, db: Session) -> None:
    newcomer = make_newcomer(db)
    volunteer = make_volunteer(db, vetting=VettingStatus.pending)
    db.commit()
    headers = bearer(client, volunteer.user.email)
    assert client.get("/api/v1/volunteers", headers=headers).status_code == 403
    assert client.get(f"/api/v1/newcomers/{newcomer.id}", headers=headers).status_code == 403
    url = f"/api/v1/volunteers/{volunteer.id}/vetting"
    assert client.post(url, headers=headers, json={"decision": "approved"}).status_code == 403
    assert client.get("/api/v1/volunteers").status_code == 401
    db.expire_all()
    stored = db.get(Volunteer, volunteer.id)
    assert stored is not None
    assert stored.vetting_status is VettingStatus.pending


def test_openapi_documents_people_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/me/pause",
        "/api/v1/me/resume",
        "/api/v1/volunteers/{volunteer_id}/vetting",
    ):
        assert path in paths
    patch = paths["/api/v1/me"]["patch"]["requestBody"]["content"]["application/json"]["schema"]
    assert len(patch["oneOf"]) == 2
    assert PASSWORD  # the shared factory password is what bearer() uses


def test_interests_through_the_api_become_stable_keys(client: TestClient, db: Session) -> None:
    body = volunteer_body(interests=["Koken", "الطبخ", "cooking", "Voetbal", "Bird  watching"])
    response = client.post("/api/v1/volunteers", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["interests"] == ["cooking", "football", "Bird watching"]
    too_long = client.post("/api/v1/volunteers", json=volunteer_body(
        email="x@example.org", interests=["x" * 41]))
    assert too_long.status_code == 422
    assert "interests" in error_fields(too_long)
