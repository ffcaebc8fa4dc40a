"""Evaluations over labelled sets shipped in ``resources/eval/``: how the product does on messages
its rules were not written from (``understudy eval ...``)."""
