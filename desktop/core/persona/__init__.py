"""The persona: how the creator sounds (sliders), what they never do (boundaries), what is true (facts).

* ``model``: the Persona as plain data (sliders 0-100, boundaries, identity).
* ``style``: the style profile learned from the creator's own items, per-text style features,
  and slider defaults calibrated from the profile.
* ``versions``: every saved change is a persona version with a short diff.
* ``card``: export/import as Understudy JSON or Character Card V2.
* ``presets``: starting points shipped in ``resources/personas``.
* ``edit``: setting one value by a dotted key (``understudy persona set``).
"""

from desktop.core.persona.model import (
    DEFAULT_SLIDERS,
    PROMISE_KINDS,
    SLIDER_NAMES,
    Boundaries,
    Identity,
    Persona,
    Product,
)

__all__ = ["DEFAULT_SLIDERS", "PROMISE_KINDS", "SLIDER_NAMES", "Boundaries", "Identity", "Persona", "Product"]
