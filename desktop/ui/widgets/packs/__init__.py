"""The Packs page's cards (export, the packs list, the webhook), their dialogs and shared helpers.

``PacksPage`` (``widgets/packs_page.py``) puts the cards together and holds what they share.
"""
