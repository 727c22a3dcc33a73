"""Which checklist items exist, and what is still missing for approval (plain functions)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from app.i18n.catalog import N_

INTAKE_ITEMS: Mapping[str, str] = {
    "legal_residence": N_("Legal residence checked"),
    "age": N_("Age confirmed (adult)"),
    "address": N_("Address in the city confirmed"),
    "commitment": N_("Six-month commitment explained"),
    "expectations": N_("Expectations noted"),
    "civic_integration_file": N_("Civic-integration file number"),
    "dutch_level": N_("Dutch level checked"),
}
SCREENING_ITEMS: Mapping[str, str] = {
    "references": N_("References checked"),
    "talk": N_("Talk with staff held"),
    "good_conduct": N_("Certificate of good conduct seen"),
    "info_session": N_("Information session attended"),
    "training": N_("Training attended"),
}


def missing(done: Mapping[str, bool], required: Iterable[str]) -> list[str]:
    """The required items not done, in the city's order.

    >>> missing({"references": True, "talk": False}, ["talk", "references", "training"])
    ['talk', 'training']
    """
    return [item for item in required if not done.get(item, False)]
