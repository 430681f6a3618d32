"""Extension points of a request's public presentation for the apps above market (the
selection methods): what they add to the request's public page and to its OCDS release.

An app registers from its `AppConfig.ready()`:
- `public_section_register(fn)`: `fn(request)` returns None or {"template": name, ...};
  the request page includes the template with the dict as `section`.
- `ocds_part_register(fn)`: `fn(request)` returns None or an `OcdsPart`, merged into the
  release (its fields added, its parties listed with their roles).
Each function decides for itself what may be public at the request's current state.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_SECTIONS: list[Callable[[Any], dict | None]] = []
_OCDS_PARTS: list[Callable[[Any], "OcdsPart | None"]] = []


@dataclass(frozen=True)
class OcdsPart:
    fields: dict[str, Any]
    parties: list[tuple[Any, list[str]]] = field(default_factory=list)  # (organisation, roles)
    extensions: list[str] = field(default_factory=list)  # URLs of the OCDS extensions used


def public_section_register(fn: Callable[[Any], dict | None]) -> None:
    if fn not in _SECTIONS:
        _SECTIONS.append(fn)


def ocds_part_register(fn: Callable[[Any], OcdsPart | None]) -> None:
    if fn not in _OCDS_PARTS:
        _OCDS_PARTS.append(fn)


def public_sections(request) -> list[dict]:
    return [section for fn in _SECTIONS if (section := fn(request))]


def ocds_parts(request) -> list[OcdsPart]:
    return [part for fn in _OCDS_PARTS if (part := fn(request))]
