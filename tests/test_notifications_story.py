"""The whole story's outbox, email by email: each transition of a panel or a contract sends
exactly the emails the people concerned need, and every email is checked against the current
state when its turn comes (a stale one is dropped, with the reason)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.contracts import service as contracts
from app.contracts.models import Contract, EndReason
from app.contracts.service import Signature
from app.db import make_sessionmaker, utcnow
from app.matches import panels
from app.matches import service as matches
from app.notifications import contract_mail, relevance, reminders, sender, service
from app.notifications.models import EmailStatus, OutboxEmail
from app.people.models import Newcomer, Volunteer
from tests.factories import (
    browser_login,
    make_checkin,
    make_contract,
    make_newcomer,
    make_staff,
    make_volunteer,
)


class Recorder:
    """A transport that keeps what it is given."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)

    def close(self) -> None:
        return None


@dataclass(frozen=True)
class Mail:
    to: str
    kind: str
    status: str
    reason: str | None


class Story:
    def __init__(self, db: Session, engine: Engine, settings: Settings) -> None:
        self.db, self.settings = db, settings
        db.info["settings"] = settings
        self.factory = make_sessionmaker(engine)
        service.bind_settings(self.factory, settings)
        self.transport = Recorder()
        self.seen = 0

    def send(self, now_offset: timedelta = timedelta(0)) -> list[Mail]:
        """Commit, run the sender, and return the outbox rows that appeared since last time."""
        self.db.commit()
        sender.send_due(self.factory, self.settings, transport=self.transport,
                        now=utcnow() + now_offset)  # fmt: skip
        self.db.expire_all()
        found = list(self.db.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))
        new, self.seen = found[self.seen :], len(found)
        return [Mail(r.to_email, r.kind, r.status.value, r.dropped_reason) for r in new]

    def sign(self, contract: Contract, *people: Newcomer | Volunteer) -> None:
        for person in people:
            contracts.sign(
                self.db,
                contract,
                person.user,
                Signature(person.display_name, "127.0.0.1"),
                city=self.settings.city,
            )


def _mail(person: Newcomer | Volunteer) -> str:
    return person.user.email


def test_the_whole_story_email_by_email(db: Session, clean_db: Engine, settings: Settings) -> None:
    story = Story(db, clean_db, settings)
    newcomer = make_newcomer(db, first_name="Soumaya")
    first, second, third = (make_volunteer(db, first_name=n) for n in ("Ann", "Bart", "Chris"))
    db.commit()

    # A round: the newcomer's candidates are ready.
    matches.run_round(db, city=settings.city, started_by=None)
    assert story.send() == [Mail(_mail(newcomer), "panel_ready", "sent", None)]

    # She picks Ann and signs at once: Ann is asked to sign; the "please sign" to Soumaya is
    # no longer true when its turn comes.
    contract = panels.choose(db, newcomer, first.id, city=settings.city)
    story.sign(contract, newcomer)
    assert story.send() == [
        Mail(_mail(first), "chosen", "sent", None),
        Mail(_mail(newcomer), "please_sign", "dropped", "the newcomer has already signed"),
    ]

    # Ann declines: Soumaya hears it and is sent back to her candidates; Ann's reason stays
    # with the staff (the decline form promises it).
    contracts.decline(db, contract, first.user, "I am moving to Ghent next month.")
    assert story.send() == [Mail(_mail(newcomer), "declined", "sent", None)]
    declined = story.transport.sent[-1]
    text = declined.get_body(("plain",))
    assert text is not None
    body = text.get_content()
    assert "\u2068Ann\u2069 cannot be your buddy" in declined["Subject"]  # name isolated
    assert "Ghent" not in body
    assert "choose another buddy from your candidates" in body
    assert f"{settings.base_url}/me/panel" in body

    # She picks Bart, who declines before any email went out: both "please sign" emails are
    # dropped, only the news that Bart declined is sent.
    contract = panels.choose(db, newcomer, second.id, city=settings.city)
    contracts.decline(db, contract, second.user, "Sorry, my evenings are full now.")
    assert story.send() == [
        Mail(_mail(second), "chosen", "dropped", "the contract is declined"),
        Mail(_mail(newcomer), "please_sign", "dropped", "the contract is declined"),
        Mail(_mail(newcomer), "declined", "sent", None),
    ]

    # She picks Chris; nobody has signed yet, so both are asked. Then both sign.
    contract = panels.choose(db, newcomer, third.id, city=settings.city)
    assert story.send() == [
        Mail(_mail(third), "chosen", "sent", None),
        Mail(_mail(newcomer), "please_sign", "sent", None),
    ]
    story.sign(contract, third, newcomer)
    assert story.send() == [
        Mail(_mail(newcomer), "contract_active", "sent", None),
        Mail(_mail(third), "contract_active", "sent", None),
    ]

    # A week passes without a meeting: Chris gets a gentle reminder — but they meet before it
    # is sent, so it is dropped.
    assert contract.start_date is not None
    week_later = contract.start_date + timedelta(days=8)
    reminders.queue_due_reminders(db, today=week_later)
    make_checkin(db, contract, contract.start_date + timedelta(days=6))
    assert story.send() == [
        Mail(_mail(third), "nomeet1", "dropped", "a meeting was logged since"),
    ]

    # The contract reaches its end: thanks, the evaluation, the certificate.
    assert contract.end_date is not None
    end = contract.end_date
    contracts.complete_due(db, city=settings.city, now=utcnow() + (end - utcnow().date()))
    assert story.send() == [
        Mail(_mail(newcomer), "completed", "sent", None),
        Mail(_mail(third), "completed", "sent", None),
    ]
    # Every message sent was for its recipient only, and none is left queued.
    assert [m["To"] for m in story.transport.sent] == [
        _mail(newcomer), _mail(first), _mail(newcomer), _mail(newcomer), _mail(third),
        _mail(newcomer), _mail(newcomer), _mail(third), _mail(newcomer), _mail(third),
    ]  # fmt: skip
    queued = db.scalars(select(OutboxEmail).where(OutboxEmail.status == EmailStatus.queued))
    assert list(queued) == []


def test_a_decline_after_the_panel_expired_points_to_the_next_round(
    db: Session, clean_db: Engine, settings: Settings
) -> None:
    story = Story(db, clean_db, settings)
    newcomer = make_newcomer(db)
    volunteer = make_volunteer(db)
    db.commit()
    matches.run_round(db, city=settings.city, started_by=None)
    contract = panels.choose(db, newcomer, volunteer.id, city=settings.city)
    story.send()
    later = utcnow() + timedelta(days=settings.city.panel_expiry_days + 1)
    contracts.decline(db, contract, volunteer.user, "Ill for a while.", now=later)
    [mail] = story.send(timedelta(days=settings.city.panel_expiry_days + 1))
    assert (mail.kind, mail.status) == ("declined", "sent")
    text = story.transport.sent[-1].get_body(("plain",))
    assert text is not None
    assert "In the next matching round we will propose new volunteers" in text.get_content()


def test_an_early_end_tells_the_other_side(
    db: Session, clean_db: Engine, settings: Settings
) -> None:
    story = Story(db, clean_db, settings)
    contract = make_contract(db, signed=True)
    story.send()
    contracts.end_early(db, contract, contract.volunteer.user, EndReason.no_time)
    assert story.send() == [Mail(_mail(contract.newcomer), "ended_early", "sent", None)]
    body = story.transport.sent[-1].get_body(("plain",))
    assert body is not None
    assert "In the next matching round we will propose new volunteers" in body.get_content()
    # A reminder queued before the end is not sent after it.
    other = make_contract(db, signed=True)
    assert other.end_date is not None
    contract_mail.queue_ending_soon(db, other)
    staff_user = other.newcomer.user  # the newcomer ends it themselves
    contracts.end_early(db, other, staff_user, EndReason.moved_away)
    assert story.send() == [
        Mail(_mail(other.newcomer), "ending_soon", "dropped", "the contract is ended_early"),
        Mail(_mail(other.volunteer), "ending_soon", "dropped", "the contract is ended_early"),
        Mail(_mail(other.volunteer), "ended_early", "sent", None),
    ]


def test_kinds_without_a_check_and_rows_without_about_are_sent_as_before(
    db: Session, clean_db: Engine, settings: Settings
) -> None:
    story = Story(db, clean_db, settings)
    user = make_newcomer(db).user
    assert "completed" not in relevance.CHECKS
    service.queue(db, user=user, kind="completed", dedupe_key="no-check",
                  context={"name": "A", "buddy": "B", "evaluation_url": "http://x/e",
                           "certificate_url": None},
                  about={"contract": 999_999})  # fmt: skip
    service.queue(db, user=user, kind="please_sign", dedupe_key="no-about",
                  context={"name": "A", "volunteer": "B", "url": "http://x/y"})  # fmt: skip
    assert story.send() == [
        Mail(user.email, "completed", "sent", None),
        Mail(user.email, "please_sign", "sent", None),
    ]


def test_staff_see_why_an_email_was_not_sent(
    db: Session, clean_db: Engine, settings: Settings, client: TestClient
) -> None:
    story = Story(db, clean_db, settings)
    contract = make_contract(db)
    contract_mail.queue_contract_proposed(db, contract)
    story.sign(contract, contract.newcomer)
    story.send()
    staff = make_staff(db)
    db.commit()
    browser_login(client, staff.email)
    page = client.get("/staff/mail")
    assert page.status_code == 200
    assert "1 email no longer matched the situation" in page.text
    assert "the newcomer has already signed" in page.text
    assert "Please sign your buddy contract" in page.text


def test_an_extension_tells_the_other_side_and_then_both(
    db: Session, clean_db: Engine, settings: Settings
) -> None:
    """A proposal goes to the other side only (and not once it was answered); the agreed
    extension to both, with the new calendar; a reminder of the old end is no longer sent, and
    the new end gets its own."""
    from app.contracts import extension
    from app.contracts.rules import local_date

    story = Story(db, clean_db, settings)
    city = settings.city
    contract = make_contract(db, make_newcomer(db, first_name="Soumaya"),
                             make_volunteer(db, first_name="Chris"), signed=True)  # fmt: skip
    contract.end_date = local_date(utcnow(), city.timezone) + timedelta(days=20)
    story.send()
    newcomer, volunteer = contract.newcomer, contract.volunteer

    # She proposes, and withdraws before the email went out: Chris hears nothing.
    extension.propose(db, contract, newcomer.user, city=city)
    extension.decline(db, contract, newcomer.user, city=city)
    assert story.send() == [Mail(_mail(volunteer), "extension_proposed", "dropped",
                                 "the proposal was withdrawn or declined")]  # fmt: skip

    # She proposes again: that is news again, for Chris only.
    extension.propose(db, contract, newcomer.user, city=city)
    assert story.send() == [Mail(_mail(volunteer), "extension_proposed", "sent", None)]
    proposal = story.transport.sent[-1]
    body = proposal.get_body(("plain",))
    assert body is not None
    assert "\u2068Soumaya\u2069 would like to go on together" in proposal["Subject"]
    assert "If you agree, the contract runs 3 months longer." in body.get_content()

    # The "one more month" reminders are queued, then Chris accepts before they are sent: they
    # name the old end date, so they are dropped; both get the new end and the calendar.
    contract_mail.queue_ending_soon(db, contract)
    extension.accept(db, contract, volunteer.user, city=city)
    assert story.send() == [
        Mail(_mail(newcomer), "ending_soon", "dropped", "the contract was extended"),
        Mail(_mail(volunteer), "ending_soon", "dropped", "the contract was extended"),
        Mail(_mail(newcomer), "extension_agreed", "sent", None),
        Mail(_mail(volunteer), "extension_agreed", "sent", None),
    ]
    agreed = story.transport.sent[-1]
    assert [p.get_filename() for p in agreed.iter_attachments()] == [
        f"buddy-contract-{contract.id}.ics"
    ]
    text = agreed.get_body(("plain",))
    assert text is not None
    assert "have both signed the extension." in text.get_content()

    # The new end gets its own reminder, which no longer offers an extension.
    assert contract_mail.queue_ending_soon(db, contract) == 2
    assert [m.status for m in story.send()] == ["sent", "sent"]
    reminder = story.transport.sent[-1].get_body(("plain",))
    assert reminder is not None
    assert "Would you like to go on?" not in reminder.get_content()

    # At the new end: completed, evaluation and certificate as usual.
    assert contract.end_date is not None
    later = utcnow() + timedelta(days=(contract.end_date - utcnow().date()).days + 1)
    assert contracts.complete_due(db, city=city, now=later) == 1
    assert [m.kind for m in story.send(later - utcnow())] == ["completed", "completed"]
