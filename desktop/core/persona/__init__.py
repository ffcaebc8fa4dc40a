"""The persona: how the creator sounds (sliders), what they never do (boundaries), what is true (facts)."""

from desktop.core.persona.model import Boundaries, Persona

__all__ = ["Boundaries", "Persona"]
