"""The Inbox page's parts: the "Draft all" card, the filter bar, the list, the review buttons, its dialog.

``InboxPage`` (``widgets/inbox_page.py``) puts them together with the message view
(``inbox_detail``) and decides what the creator's keys and clicks do.
"""
