"""Verify an export folder against its manifest.json: every listed file present with its sha256.

`verify_dir(path)` recomputes the sha256 of each file manifest.json lists and names each file that
changed or is missing; files in the folder that the manifest does not list are named too (an
export leaves other files alone, so they are not an error, but they are not part of the evidence).
The manifest cannot vouch for itself: `manifest_sha256` is what to write in the case file when the
export is handed over, so that the manifest can be checked later too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from tracers.errors import TracersError
from tracers.exports.manifest import MANIFEST_NAME

_CHUNK = 1 << 20


class ManifestError(TracersError):
    """A folder without a readable manifest.json, or one whose file list is malformed."""


@dataclass(frozen=True)
class VerifyResult:
    path: Path
    manifest_sha256: str
    case_id: str | None
    run_id: str | None
    export: str | None  # 'freeze', or None for a subpoena manifest (which does not say)
    verified: tuple[str, ...]  # listed, present, same sha256
    changed: tuple[str, ...]  # listed, present, different sha256
    missing: tuple[str, ...]  # listed, not in the folder
    unlisted: tuple[str, ...]  # in the folder, not in the manifest (not part of the export)

    @property
    def ok(self) -> bool:
        return not self.changed and not self.missing

    def describe(self) -> str:
        """A few lines for the command line: the verdict first, then every file that failed."""
        what = f"{self.path} (case {self.case_id}, run {self.run_id})"
        if self.ok:
            lines = [f"OK: {what}: all {len(self.verified)} file(s) match manifest.json"]
        else:
            lines = [f"FAILED: {what}: {len(self.changed)} changed, {len(self.missing)} missing, "
                     f"{len(self.verified)} match manifest.json"]
            lines += [f"  changed: {name} (its sha256 is not the one manifest.json lists)"
                      for name in self.changed]
            lines += [f"  missing: {name}" for name in self.missing]
        lines += [f"  not in manifest.json (not part of the export): {name}" for name in self.unlisted]
        lines.append(f"  manifest.json sha256 {self.manifest_sha256}")
        return "\n".join(lines)


def verify_dir(path: Path) -> VerifyResult:
    """Check every file manifest.json in `path` lists against its sha256."""
    path = Path(path)
    if not path.is_dir():
        raise ManifestError(
            f"{path} is not a folder: give the folder an export wrote (it holds {MANIFEST_NAME})")
    raw = _read_manifest(path)
    manifest = _parse(path, raw)
    listed = _listed(path, manifest)
    verified, changed, missing = [], [], []
    for name, expected in listed.items():
        target = path / name
        if not target.is_file():
            missing.append(name)
        elif file_sha256(target) == expected:
            verified.append(name)
        else:
            changed.append(name)
    present = sorted(p.name for p in path.iterdir() if p.name != MANIFEST_NAME)
    return VerifyResult(
        path=path,
        manifest_sha256=hashlib.sha256(raw).hexdigest(),
        case_id=manifest.get("case_id") or ", ".join(str(c) for c in manifest.get("case_ids") or []) or None,
        run_id=manifest.get("run_id") or ", ".join(
            str(r.get("run_id")) for r in manifest.get("runs") or [] if isinstance(r, dict)) or None,
        export=manifest.get("export"),
        verified=tuple(verified),
        changed=tuple(changed),
        missing=tuple(missing),
        unlisted=tuple(name for name in present if name not in listed),
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _read_manifest(path: Path) -> bytes:
    try:
        return (path / MANIFEST_NAME).read_bytes()
    except FileNotFoundError:
        raise ManifestError(
            f"{path} has no {MANIFEST_NAME}: it is not an export folder, or its manifest was "
            "removed; without it nothing can be verified (export again from the store)"
        ) from None


def _parse(path: Path, raw: bytes) -> dict:
    try:
        manifest = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{path / MANIFEST_NAME} is not JSON ({exc}): it was damaged or edited") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        raise ManifestError(
            f"{path / MANIFEST_NAME} has no `files` list: it is not a tracers export manifest")
    return manifest


def _listed(path: Path, manifest: dict) -> dict[str, str]:
    """name -> sha256 of each listed file; names must be plain file names in the folder."""
    listed: dict[str, str] = {}
    for index, entry in enumerate(manifest["files"]):
        name = entry.get("name") if isinstance(entry, dict) else None
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if (not isinstance(name, str) or not isinstance(digest, str) or not name
                or Path(name).name != name or name in (".", "..", MANIFEST_NAME)):
            raise ManifestError(
                f"{path / MANIFEST_NAME}: files[{index}] is not a file name with its sha256 "
                f"({entry!r}): the manifest was damaged or edited"
            )
        if name in listed:
            raise ManifestError(f"{path / MANIFEST_NAME}: {name} is listed twice: the manifest was edited")
        listed[name] = digest.lower()
    return listed
