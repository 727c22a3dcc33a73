"""The four score criteria as plain formulas (see :mod:`matching.scoring` for the rules).

The scorer tabulates them once per round; :mod:`matching.reasons` uses them again to explain
a pair, so the two can never disagree.
"""

from __future__ import annotations

from matching.config import MatchingConfig

N_CODES = 17  # 0 = cannot talk, 1..16 = best shared level 1..4 × strongest bonus × practice


def code_parts(code: int) -> tuple[int, bool, bool]:
    """Decode a language code into (best shared level 1..4, strongest bonus, practice only)."""
    return (code - 1) // 4 + 1, bool((code - 1) // 2 % 2), bool((code - 1) % 2)


def language_criterion(level: int, bonus: bool, config: MatchingConfig,
                       practice: bool = False) -> float:
    """Language criterion for a shared level (1..4), the strongest-language bonus and
    whether the practice language is the pair's only usable one."""
    b, q = config.language_bonus, config.practice_weight
    return (1.0 - q) * ((1.0 - b) * level / 4.0 + b * float(bonus)) + q * float(practice)


def interest_criterion(shared: int, config: MatchingConfig) -> float:
    """Interests criterion: shared interests and goals, saturating at ``interest_saturation``."""
    return min(shared, config.interest_saturation) / config.interest_saturation


def availability_criterion(shared: int, config: MatchingConfig) -> float:
    """Availability criterion: shared slots, saturating at ``availability_saturation``."""
    return min(shared, config.availability_saturation) / config.availability_saturation


def normalised_weights(config: MatchingConfig) -> tuple[float, float, float, float]:
    """(language, availability, proximity, interests) weights divided by their sum."""
    total = (config.weight_language + config.weight_availability + config.weight_proximity
             + config.weight_interests)
    return (config.weight_language / total, config.weight_availability / total,
            config.weight_proximity / total, config.weight_interests / total)
