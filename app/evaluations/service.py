"""The closing evaluation: one per side, only once the contract is over (completed or ended
early). Each side sees its own answers; staff see both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.checkins import events
from app.checkins.models import Party
from app.contracts import service as contracts
from app.contracts.models import Contract, ContractStatus
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid
from app.evaluations.models import Evaluation, GoalsMet
from app.i18n.catalog import N_

OVER = (ContractStatus.completed, ContractStatus.ended_early)
TEXT_MAX = 4000


@dataclass(frozen=True)
class Answers:
    overall: int
    goals_met: GoalsMet
    would_again: bool
    text: str = ""


def is_open(contract: Contract) -> bool:
    return contract.status in OVER


def visible(session: Session, contract: Contract, user: User) -> list[Evaluation]:
    """Staff: both sides' evaluations; a party: only their own."""
    stmt = select(Evaluation).where(Evaluation.contract_id == contract.id).order_by(Evaluation.side)
    if user.role is not Role.staff:
        side = contracts.side_of(contract, user)
        if side is None:
            return []
        stmt = stmt.where(Evaluation.side == Party(side))
    return list(session.scalars(stmt))


def submit(
    session: Session,
    contract: Contract,
    user: User,
    answers: Answers,
    *,
    now: datetime | None = None,
) -> Evaluation:
    side = contracts.side_of(contract, user)
    if side is None:
        raise Forbidden(N_("Only the newcomer and the volunteer fill in the evaluation."))
    if not is_open(contract):
        raise Conflict(N_("The evaluation opens when the contract has ended."))
    if not 1 <= answers.overall <= 5:
        raise Invalid(N_("Choose a number from 1 to 5."), field="overall")
    text = answers.text.strip()
    if len(text) > TEXT_MAX:
        raise Invalid(N_("This field is too long."), field="text")
    party = Party(side)
    if session.scalar(
        select(Evaluation.id).where(Evaluation.contract_id == contract.id,
                                    Evaluation.side == party)
    ) is not None:  # fmt: skip
        raise Conflict(N_("You have already sent your evaluation. Thank you!"))
    evaluation = Evaluation(
        contract_id=contract.id, side=party, author_id=user.id, overall=answers.overall,
        goals_met=answers.goals_met, would_again=answers.would_again, text=text,
        submitted_at=now or utcnow(),
    )  # fmt: skip
    session.add(evaluation)
    try:
        session.flush()
    except IntegrityError:  # a double submit racing: the caller rolls the request back
        raise Conflict(N_("You have already sent your evaluation. Thank you!")) from None
    events.publish(
        session, "evaluation.submitted", evaluation_id=evaluation.id, contract_id=contract.id,
        by_user_id=user.id, side=party.value,
    )  # fmt: skip
    return evaluation
