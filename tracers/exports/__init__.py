"""Writers of a traced case, each reading the case's latest finished trace run from the read model
(tracers/findings/):

- `export_subpoena`: one CSV per exchange of the victim money that reached its deposit addresses,
  and manifest.json with each file's sha256 (for the subpoena or freeze request).
- `export_addresses`: every address of the run with its role and the findings behind it.
- `export_freeze`: one CSV per issuer (Tether, Circle; native coins apart) of the addresses that
  still hold traced victim money, with the stored balance and the evidence back to the reports.
- `export_tagpack`: the case's perpetrators, deposit addresses (and victims, if asked) as a
  GraphSense TagPack; `roles_from_tags` reads the roles back from it.
- `export_stix`: the case as a STIX 2.1 bundle to share with partner units (report, indicators,
  wallets, exchanges, scam clusters), marked with the TLP 2.0 level chosen (`tlp.py`).
- `render_summary`: the findings summary as text (`tracers findings`, findings.md).
- `tracers.exports.report`: the case as one HTML page.
- `verify_dir`: recompute the sha256 of every file an export folder's manifest.json lists.
- `out_file` / `out_folder`: the checks of `--out` every export runs before any work.

Amounts are exact decimal strings in token units; CSV cells are neutralised against formulas.
"""

from tracers.exports.addresses import ADDRESS_COLUMNS, export_addresses
from tracers.exports.files import out_file, out_folder
from tracers.exports.freeze import FREEZE_COLUMNS, FreezeResult, export_freeze
from tracers.exports.render import render_summary
from tracers.exports.stix import StixResult, export_stix
from tracers.exports.subpoena import SUBPOENA_COLUMNS, SubpoenaResult, export_subpoena
from tracers.exports.tagpack import export_tagpack, role_of_tag, roles_from_tags
from tracers.exports.tlp import DEFAULT_TLP, TLP_LEVELS, tlp_level
from tracers.exports.verify import ManifestError, VerifyResult, verify_dir

__all__ = [
    "ADDRESS_COLUMNS",
    "DEFAULT_TLP",
    "FREEZE_COLUMNS",
    "SUBPOENA_COLUMNS",
    "TLP_LEVELS",
    "FreezeResult",
    "ManifestError",
    "StixResult",
    "SubpoenaResult",
    "VerifyResult",
    "export_addresses",
    "export_freeze",
    "export_stix",
    "export_subpoena",
    "export_tagpack",
    "out_file",
    "out_folder",
    "render_summary",
    "role_of_tag",
    "roles_from_tags",
    "tlp_level",
    "verify_dir",
]
