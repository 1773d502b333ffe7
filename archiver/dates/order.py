"""What one source teaches about its numeric date order, and how a reading is chosen.

Evidence is a date that the notation allowed to read in several orders but that only one order
fits, because the others are no date (``25/10/2020``), contradict the printed weekday, or
disagree with the page's machine-readable date. One order with evidence is the source's learned
order; evidence for two orders is a conflict, and then no order is trusted. Reads no settings.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from archiver.dates.result import Reading

VALID_ORDERS = ("MDY", "DMY", "YMD")


@dataclass
class OrderEvidence:
    """Counts of decisive dates per order within one source."""

    counts: Counter[str] = field(default_factory=Counter)

    def record(self, order: str) -> None:
        self.counts[order] += 1

    @property
    def learned(self) -> str | None:
        """The one order with evidence; None without evidence or with conflicting evidence."""
        return next(iter(self.counts)) if len(self.counts) == 1 else None

    @property
    def conflicting(self) -> bool:
        return len(self.counts) > 1


@dataclass(frozen=True)
class Choice:
    """The reading chosen among several, and the flags that say on what ground."""

    reading: Reading | None
    flags: tuple[str, ...]


def choose_reading(
    readings: list[Reading],
    evidence: OrderEvidence,
    configured: str | None,
    conventional: str | None,
    locale: str | None = None,
) -> Choice:
    """Pick among readings that differ: learned order, then configured, then the language's
    own CLDR format (when the text has its exact shape), then the notation's."""
    by_order = {reading.order: reading for reading in readings}
    if evidence.conflicting:
        return Choice(None, ("ambiguous", "order_conflict"))
    learned = evidence.learned
    if learned in by_order:
        return Choice(by_order[learned], ("order_inferred",))
    if configured in by_order:
        return Choice(by_order[configured], ("ambiguous", "order_configured"))
    if locale in by_order:
        return Choice(by_order[locale], ("order_locale",))
    if conventional in by_order:
        return Choice(by_order[conventional], ("order_conventional",))
    return Choice(None, ("ambiguous",))
