"""Matching rounds and panels: who waits, who is proposed, storing, expiry, choice, decline."""

from __future__ import annotations

import gc
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.contracts import service as contracts
from app.contracts.models import Contract, ContractStatus, EndReason
from app.db import utcnow
from app.errors import Conflict, Invalid
from app.matches import panels, service
from app.matches.models import MatchingLock, MatchingRound, Panel, PanelCandidate, PanelStatus
from app.people.models import IntakeStatus, Newcomer, VettingStatus, Volunteer
from app.people.vocabulary import Level
from tests.factories import make_contract, make_newcomer, make_staff, make_volunteer


def _count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _volunteers(db: Session, n: int, **kw: object) -> list[Volunteer]:
    return [make_volunteer(db, **kw) for _ in range(n)]  # type: ignore[arg-type]


def test_round_makes_ranked_panels_of_five(db: Session, settings: Settings) -> None:
    staff = make_staff(db)
    amina = make_newcomer(db)
    yonas = make_newcomer(db, languages={"ti": Level.native, "en": Level.fluent})
    yonas.civic_integration = False
    vols = _volunteers(db, 6)
    make_volunteer(db, vetting=VettingStatus.paused)  # never proposed
    make_volunteer(db, vetting=VettingStatus.pending)  # not yet screened
    make_newcomer(db, intake=IntakeStatus.pending)  # not yet through intake
    db.commit()

    record = service.run_round(db, city=settings.city, started_by=staff)
    db.commit()
    assert record.newcomers_waiting == 2
    assert record.volunteers_available == 6
    assert record.started_by_id == staff.id
    assert record.finished_at is not None
    panel = panels.open_panel(db, amina)
    assert panel is not None
    assert [c.rank for c in panel.candidates] == [1, 2, 3, 4, 5]
    assert {c.volunteer_id for c in panel.candidates} <= {v.id for v in vols}
    scores = [c.score for c in panel.candidates]
    assert scores == sorted(scores, reverse=True)
    first = panel.candidates[0]
    assert first.reasons["shared_slots"] == ["mon-evening", "sat-morning"]
    assert first.reasons["languages"][0]["code"] == "nl"
    assert first.distance_km is not None
    assert panel.expires_at == record.started_at + timedelta(days=settings.city.panel_expiry_days)
    # Yonas speaks Tigrinya and English; the volunteers Dutch and French: nobody to propose.
    assert panels.open_panel(db, yonas) is None
    assert (record.full_panels, record.partial_panels, record.empty_panels) == (1, 0, 1)
    assert record.panels_made == 1
    assert record.average_score == pytest.approx(sum(scores) / 5)
    assert record.summary["empty_newcomer_ids"] == [yonas.id]
    assert record.summary["certificate"]["optimal"] is True
    # The shortage report names what was missing: Tigrinya/English speakers on his slots.
    shortage = record.shortage
    assert shortage["by_language"]["ti"]["empty"] == 1
    assert shortage["by_slot"]["mon-evening"]["missing"] == 5
    assert "binnenstad" in shortage["by_area"]
    assert _count(db, MatchingLock) == 0  # the SQLite lock row leaves with the round


def test_second_round_finds_nobody_waiting_and_is_not_recorded(
    db: Session, settings: Settings
) -> None:
    make_newcomer(db)
    _volunteers(db, 5)
    db.commit()
    service.run_round(db, city=settings.city, started_by=None)
    db.commit()
    with pytest.raises(service.NobodyWaiting) as refused:
        service.run_round(db, city=settings.city, started_by=None)
    db.rollback()
    assert refused.value.status_code == 409
    assert "Nobody is waiting" in refused.value.message
    assert _count(db, MatchingRound) == 1
    assert _count(db, Panel) == 1


def test_exposure_limit_and_capacity(db: Session, settings: Settings) -> None:
    newcomers = [make_newcomer(db) for _ in range(3)]
    now = utcnow()
    # In the civic integration programme, new; not in it, waiting long; in it and waiting.
    newcomers[1].civic_integration = False
    newcomers[1].waiting_since = now - timedelta(days=100)
    newcomers[2].waiting_since = now - timedelta(days=60)
    only = make_volunteer(db)
    full = make_volunteer(db)
    make_contract(db, make_newcomer(db), full)  # full: capacity 1, one pending contract
    db.commit()
    first = service.run_round(db, city=settings.city, started_by=None)
    db.commit()
    # max_open_panels = 2: the one free volunteer is shown to two newcomers, not three.
    assert first.newcomers_waiting == 3
    assert first.volunteers_available == 1
    assert first.panels_made == 2
    assert service.exposure(db, utcnow()) == {only.id: 2}
    shown = [n for n in newcomers if panels.open_panel(db, n) is not None]
    assert len(shown) == 2
    # Civic integration first, then the longest waiting.
    assert {n.id for n in shown} == {newcomers[0].id, newcomers[2].id}


def test_expired_panels_free_exposure(db: Session, settings: Settings) -> None:
    newcomer = make_newcomer(db)
    volunteer = make_volunteer(db)
    db.commit()
    start = utcnow() - timedelta(days=settings.city.panel_expiry_days + 1)
    service.run_round(db, city=settings.city, started_by=None, now=start)
    db.commit()
    assert panels.open_panel(db, newcomer) is None  # past its expiry even before the tick
    assert service.exposure(db, utcnow()) == {}
    assert service.expire_panels(db) == 1
    assert service.expire_panels(db) == 0
    db.commit()
    assert db.scalar(select(Panel.status)) is PanelStatus.expired
    record = service.run_round(db, city=settings.city, started_by=None)
    assert record.newcomers_waiting == 1
    assert panels.open_panel(db, newcomer).candidates[0].volunteer_id == volunteer.id  # type: ignore[union-attr]


def test_failed_round_writes_nothing(
    db: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_newcomer(db)
    make_newcomer(db)
    _volunteers(db, 5)
    db.commit()

    def broken(*args: object, **kwargs: object) -> dict[str, object]:
        raise RuntimeError("disk full")

    # Fails after every panel and candidate has been flushed to the database.
    monkeypatch.setattr(service, "_summary", broken)
    with pytest.raises(RuntimeError):
        service.run_round(db, city=settings.city, started_by=None)
    db.rollback()
    for model in (MatchingRound, Panel, PanelCandidate, MatchingLock):
        assert _count(db, model) == 0


def test_only_one_round_at_a_time(db: Session, settings: Settings, clean_db: object) -> None:
    from app.db import make_sessionmaker

    other = make_sessionmaker(clean_db)()  # type: ignore[arg-type]
    try:
        service.acquire_round_lock(db)  # held until db's transaction ends
        with pytest.raises(Conflict, match="already running"):
            service.acquire_round_lock(other)
        other.rollback()
        db.rollback()  # released: the next one gets it
        service.acquire_round_lock(other)
        other.rollback()
    finally:
        other.close()


def test_excluded_pairs_are_not_proposed_again(db: Session, settings: Settings) -> None:
    newcomer = make_newcomer(db)
    ex = make_volunteer(db)
    contract = make_contract(db, newcomer, ex, signed=True)
    contracts.end_early(db, contract, newcomer.user, EndReason.no_click)
    others = _volunteers(db, 2)
    db.commit()
    assert (newcomer.id, ex.id) in service.excluded_pairs(db, utcnow())
    service.run_round(db, city=settings.city, started_by=None)
    panel = panels.open_panel(db, newcomer)
    assert panel is not None
    assert {c.volunteer_id for c in panel.candidates} == {v.id for v in others}


def test_completed_newcomers_do_not_wait(db: Session, settings: Settings) -> None:
    done = make_contract(db, signed=True)
    done.status = ContractStatus.completed
    _volunteers(db, 2)
    db.commit()
    assert service.waiting_newcomers(db, utcnow()) == []


def _with_panel(db: Session, settings: Settings, n_volunteers: int = 5) -> tuple[Newcomer, Panel]:
    newcomer = make_newcomer(db)
    _volunteers(db, n_volunteers)
    db.commit()
    service.run_round(db, city=settings.city, started_by=None)
    db.commit()
    panel = panels.open_panel(db, newcomer)
    assert panel is not None
    return newcomer, panel


def test_choose_makes_a_pending_contract_and_releases_the_rest(
    db: Session, settings: Settings
) -> None:
    newcomer, panel = _with_panel(db, settings)
    chosen = panel.candidates[2].volunteer_id
    assert len(service.exposure(db, utcnow())) == 5
    contract = panels.choose(db, newcomer, chosen, city=settings.city)
    db.commit()
    assert contract.status is ContractStatus.pending
    assert contract.panel_id == panel.id
    assert contract.volunteer_id == chosen
    assert panel.status is PanelStatus.chosen
    assert service.exposure(db, utcnow()) == {}  # the other four are free at once
    db.expire_all()
    assert db.get(Volunteer, chosen).committed_buddies == 1  # type: ignore[union-attr]
    with pytest.raises(Conflict, match="no open panel"):
        panels.choose(db, newcomer, chosen, city=settings.city)


def test_choose_refusals_change_nothing(db: Session, settings: Settings) -> None:
    newcomer, panel = _with_panel(db, settings)
    stranger = make_volunteer(db)
    db.commit()
    with pytest.raises(Invalid) as info:
        panels.choose(db, newcomer, stranger.id, city=settings.city)
    assert info.value.field == "volunteer_id"
    assert info.value.status_code == 422
    # The volunteer was just taken by someone else: clear 409, the panel stays open.
    taken = panel.candidates[0].volunteer_id
    make_contract(db, make_newcomer(db), db.get(Volunteer, taken))
    db.commit()
    with pytest.raises(Conflict, match="chosen by someone else"):
        panels.choose(db, newcomer, taken, city=settings.city)
    db.rollback()
    assert panels.open_panel(db, newcomer) is not None
    views = panels.candidate_views(db, panel, newcomer, "en")
    assert [v.available for v in views] == [False, True, True, True, True]
    # … and can still pick another.
    contract = panels.choose(db, newcomer, views[1].volunteer_id, city=settings.city)
    assert contract.volunteer_id == views[1].volunteer_id


def test_candidate_views_show_no_private_details(db: Session, settings: Settings) -> None:
    newcomer, panel = _with_panel(db, settings)
    views = panels.candidate_views(db, panel, newcomer, "en")
    assert [v.rank for v in views] == [1, 2, 3, 4, 5]
    view = views[0]
    assert view.first_name == "Jan"
    assert view.shared_languages == ["nl"]
    assert view.shared_slots == ["mon-evening", "sat-morning"]
    assert view.distance_km == 0.5  # same neighbourhood: rounded up to half a kilometre
    assert "You are both free on Monday evening and Saturday morning." in view.reasons
    assert "\u2068Jan\u2069 lives less than 1 km from you." in view.reasons
    text = repr(view)
    assert "Peeters" not in text
    assert "@" not in text


def test_decline_panel(db: Session, settings: Settings) -> None:
    newcomer, panel = _with_panel(db, settings)
    with pytest.raises(Invalid):
        panels.decline(db, newcomer, " ")
    panels.decline(db, newcomer, "I am away all month")
    db.commit()
    assert panel.status is PanelStatus.declined
    assert panel.decline_reason == "I am away all month"
    assert newcomer in service.waiting_newcomers(db, utcnow())
    excluded = service.excluded_pairs(db, utcnow())
    assert {(newcomer.id, c.volunteer_id) for c in panel.candidates} <= excluded
    with pytest.raises(Conflict):
        panels.decline(db, newcomer, "again")


def test_volunteer_decline_gives_the_panel_back(db: Session, settings: Settings) -> None:
    newcomer, panel = _with_panel(db, settings)
    contract = panels.choose(db, newcomer, panel.candidates[0].volunteer_id, city=settings.city)
    db.commit()
    volunteer_user = db.get(Volunteer, contract.volunteer_id).user  # type: ignore[union-attr]
    contracts.decline(db, contract, volunteer_user, "Sorry, I broke my leg.")
    db.commit()
    again = panels.open_panel(db, newcomer)
    assert again is not None
    assert again.id == panel.id
    views = panels.candidate_views(db, again, newcomer, "en")
    assert contract.volunteer_id not in {v.volunteer_id for v in views}
    assert [v.rank for v in views] == [1, 2, 3, 4]


def test_volunteer_decline_after_expiry_leaves_the_newcomer_waiting(
    db: Session, settings: Settings
) -> None:
    newcomer, panel = _with_panel(db, settings)
    contract = panels.choose(db, newcomer, panel.candidates[0].volunteer_id, city=settings.city)
    panel.expires_at = utcnow() - timedelta(minutes=1)
    db.commit()
    contracts.decline(db, contract, contract.volunteer.user, "No time")
    db.commit()
    assert panel.status is PanelStatus.expired
    assert panels.open_panel(db, newcomer) is None
    assert newcomer in service.waiting_newcomers(db, utcnow())
    assert _count(db, Contract) == 1


def test_the_rounds_input_read_as_rows_is_what_the_loaded_people_give(
    db: Session, settings: Settings
) -> None:
    """The round reads people as rows (issue #13); the engine must get the same input."""
    make_newcomer(db, languages={"ti": Level.native, "en": Level.fluent}, interests=["Koken"])
    make_newcomer(db, goals=["dutch", "work"], neighbourhood=None)
    make_volunteer(db, languages={"nl": Level.native, "fr": Level.basic})
    full = make_volunteer(db)
    full.max_buddies, full.committed_buddies = 2, 1
    make_volunteer(db, vetting=VettingStatus.paused)
    db.commit()
    now = utcnow()
    waiting = service.waiting_newcomers(db, now)
    assert service.waiting_profiles(db, now) == [service.Profile.of(n) for n in waiting]
    assert [service.to_engine_newcomer(p, now) for p in service.waiting_profiles(db, now)] == [
        service.to_engine_newcomer(n, now) for n in waiting
    ]
    available = service.available_volunteers(db, settings.city, now)
    assert service.available_profiles(db, settings.city, now) == [
        service.Profile.of(v, shown) for v, shown in available
    ]
    assert len(available) == 2


def test_the_garbage_collector_is_back_on_after_a_round_even_a_refused_one(
    db: Session, settings: Settings
) -> None:
    assert gc.isenabled()
    with pytest.raises(service.NobodyWaiting):
        service.run_round(db, city=settings.city, started_by=None)
    assert gc.isenabled()
    db.rollback()
    make_newcomer(db)
    _volunteers(db, 1)
    db.commit()
    service.run_round(db, city=settings.city, started_by=None)
    assert gc.isenabled()
