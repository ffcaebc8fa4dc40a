"""The Persona page's cards and editors, one module each; the page itself is ``persona_page``.

Editors only show and ask: each emits ``edited(key, value, undo_text)`` with the new value of
one persona field (``fields.apply_field`` sets it on a copy of the persona), and the page turns
it into one undoable step. ``show_persona`` refreshes an editor without emitting anything.
"""
