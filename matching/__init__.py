"""Welcome Buddy's matching engine: explainable scores and provably optimal, fair panels.

A pure library (numpy and scipy only). :func:`score_pairs` scores every eligible
newcomer–volunteer pair, :func:`explain` says why, :func:`propose_panels` proposes a ranked
panel of volunteers to every waiting newcomer, optimal for the whole list at once and with a
certificate of optimality; :func:`greedy_panels` is the first-come-first-served baseline;
:func:`build_timetable` schedules a speed-dating evening in the fewest rounds.
Formulas and the panel objective are documented in :mod:`matching.scoring` and
:mod:`matching.panels`.
"""

from matching.config import MatchingConfig
from matching.greedy import greedy_panels
from matching.model import LEVELS, SLOTS, Id, Newcomer, Volunteer
from matching.panels import free_exposure, propose_panels
from matching.reasons import BLOCKERS, CriterionPart, LanguageMatch, Reasons, explain
from matching.results import (
    Candidate,
    Certificate,
    PanelResult,
    PanelSummary,
    ShortageReport,
    Unmet,
)
from matching.scoring import score_pairs
from matching.timetable import Conversation, build_timetable, minimum_rounds, needs_interpreter

__all__ = [
    "BLOCKERS",
    "LEVELS",
    "SLOTS",
    "Candidate",
    "Certificate",
    "Conversation",
    "CriterionPart",
    "Id",
    "LanguageMatch",
    "MatchingConfig",
    "Newcomer",
    "PanelResult",
    "PanelSummary",
    "Reasons",
    "ShortageReport",
    "Unmet",
    "Volunteer",
    "build_timetable",
    "explain",
    "free_exposure",
    "greedy_panels",
    "minimum_rounds",
    "needs_interpreter",
    "propose_panels",
    "score_pairs",
]
