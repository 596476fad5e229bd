"""The Traffic Light Protocol (FIRST TLP 2.0) marking an analyst puts on a shared case export:
how far the partner receiving it may pass it on. The STIX bundle and the TagPack both carry it.

TLP 2.0 (August 2022) renamed TLP:WHITE to TLP:CLEAR and added TLP:AMBER+STRICT; its TLP:AMBER
lets the recipient share with its clients too, which TLP 1.0's did not.
"""

from __future__ import annotations

from tracers.domain import Tlp
from tracers.errors import TracersError

TLP_LEVELS = tuple(level.value for level in Tlp)  # clear, green, amber, amber+strict, red
DEFAULT_TLP = Tlp.amber.value
# What each level allows the recipient, in FIRST's words (TLP 2.0 standard, shortened).
TLP_MEANING = {
    "clear": "recipients can spread this to the world, there is no limit on disclosure",
    "green": "limited disclosure: recipients can spread this within their community",
    "amber": "limited disclosure: recipients can only spread this on a need-to-know basis within "
             "their organization and its clients",
    "amber+strict": "limited disclosure: recipients can only spread this on a need-to-know basis "
                    "within their organization, not to its clients",
    "red": "for the eyes and ears of individual recipients only, no further disclosure",
}


def tlp_level(text: str | Tlp) -> str:
    """`amber`, `AMBER`, `TLP:AMBER` or Tlp.amber -> `amber`; anything outside TLP 2.0 is refused."""
    level = (text.value if isinstance(text, Tlp) else text).strip().lower().removeprefix("tlp:")
    if level in TLP_LEVELS:
        return level
    hint = " (TLP 2.0 renamed white to clear)" if level == "white" else ""
    raise TracersError(f"--tlp {text!r} is not a TLP 2.0 level{hint}: give one of "
                       f"{', '.join(TLP_LEVELS)} (default {DEFAULT_TLP})")


def tlp_label(level: str | Tlp) -> str:
    """`amber+strict` -> `TLP:AMBER+STRICT`, as the marking is written."""
    return f"TLP:{tlp_level(level).upper()}"
