"""Sentences about a person agree with that person's gender where the language needs it
(Arabic verbs, French and Russian participles), and typed names are bidi-isolated — in
emails, notes after a redirect and refusals, not only on the panel."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict
from app.notifications import contract_mail as notifications
from app.notifications.emails import render_email
from app.notifications.models import OutboxEmail
from app.people.vocabulary import Gender
from tests.factories import browser_login, make_contract, make_newcomer, make_volunteer

FSI, PDI = "\u2068", "\u2069"


def _chosen(locale: str, female: bool) -> str:
    return render_email("chosen", locale, {
        "city": "Mechelen", "base_url": "http://x", "name": "Jan", "newcomer": "Amina",
        "newcomer_female": female, "url": "http://x/contracts/1",
    }).text  # fmt: skip


def test_the_chosen_email_agrees_with_the_newcomers_gender() -> None:
    assert "اختارتك" in _chosen("ar", True)  # she chose you
    assert "اختارك" in _chosen("ar", False)  # he chose you
    assert "nouvelle arrivante" in _chosen("fr", True)
    assert "nouvel arrivant" in _chosen("fr", False)
    assert "выбрала вас" in _chosen("ru", True)
    assert "выбрал(а)" in _chosen("ru", False)  # the generic wording, for men and "other"
    # Languages without grammatical gender read the same either way.
    assert _chosen("nl", True) == _chosen("nl", False)


def test_names_in_emails_are_isolated_in_text_and_html() -> None:
    rendered = render_email("declined", "ar", {
        "city": "Mechelen", "base_url": "http://x", "name": "سمية", "volunteer": "Griet",
        "volunteer_female": True, "panel_until": None, "url": "http://x/me",
    })  # fmt: skip
    assert f"{FSI}Griet{PDI}" in rendered.subject
    assert f"{FSI}سمية{PDI}" in rendered.text
    assert f"{FSI}Griet{PDI}" in rendered.html


def test_emails_of_a_pick_carry_each_persons_gender(db: Session) -> None:
    newcomer = make_newcomer(db, first_name="Amina", gender=Gender.female)
    volunteer = make_volunteer(db, first_name="Griet", gender=Gender.female)
    volunteer.user.locale = "ar"
    newcomer.user.locale = "ru"
    contract = make_contract(db, newcomer, volunteer)
    notifications.queue_contract_proposed(db, contract)
    db.flush()
    mails = {m.kind: m for m in db.scalars(select(OutboxEmail))}
    assert "اختارتك" in mails["chosen"].subject
    assert "своей бадди" in mails["please_sign"].body_text  # the volunteer is a woman


def test_a_refusal_about_a_woman_uses_the_feminine_wording() -> None:
    message = "%(name)s has just been chosen by someone else. Please pick another buddy."
    her = Conflict(message, context="feminine", name="Griet")
    him = Conflict(message, name="Jan")
    assert her.translated("fr").startswith("Griet vient d'être choisie ")
    assert him.translated("fr").startswith("Jan vient d'être choisi ")
    assert str(her) == "Griet has just been chosen by someone else. Please pick another buddy."


def _post(client: TestClient, url: str, data: dict[str, str]) -> object:
    return client.post(url, data={**data, "csrftoken": client.cookies["csrftoken"]})


def test_notes_after_a_redirect_speak_of_the_other_party_in_their_gender(
    client: TestClient, db: Session
) -> None:
    contract = make_contract(db, make_newcomer(db, gender=Gender.female),
                             make_volunteer(db, gender=Gender.male))
    contract.volunteer.user.locale = "fr"
    db.commit()
    browser_login(client, contract.volunteer.user.email)
    page = _post(client, f"/contracts/{contract.id}/decline", {"reason": "Moving abroad"})
    assert "La nouvelle arrivante peut choisir" in page.text  # type: ignore[attr-defined]

    other = make_contract(db, make_newcomer(db, gender=Gender.male),
                          make_volunteer(db, gender=Gender.female))
    other.volunteer.user.locale = "fr"
    db.commit()
    client.post("/logout", data={"csrftoken": client.cookies["csrftoken"]})
    browser_login(client, other.volunteer.user.email)
    page = _post(client, f"/contracts/{other.id}/decline", {"reason": "Moving abroad"})
    assert "Le nouvel arrivant peut choisir" in page.text  # type: ignore[attr-defined]
