"""The main window's pages as the sidebar names them: label, icon, heading and summary.

Kept apart from the page modules, which import the core, so that the shell (sidebar, heading of
the current page) can be shown before any of them is imported (``MainWindow`` builds the pages
right after its first paint).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    #: Short name for the sidebar.
    label: str
    #: Icon name in ``desktop/ui/icons``.
    icon_name: str
    #: Heading at the top of the page.
    title: str
    #: What the page is for, in friendly plain words (shown under the title).
    summary: str


IMPORT = PageInfo(
    "Import",
    "import",
    "Import your data",
    "Drop the 'download your data' zips from Instagram, Facebook, X, TikTok, YouTube, WhatsApp, "
    "Telegram and more here. They are read on this computer and never uploaded.",
)
PERSONA = PageInfo(
    "Persona",
    "persona",
    "Your persona",
    "Tune how your understudy sounds: how casual or polished, how playful, how long its replies are, "
    "and the topics it must never touch. It learns your style from your own posts; you hold the dials.",
)
PREVIEW = PageInfo(
    "Preview",
    "preview",
    "Try it out",
    "Type a message a fan might send and watch your understudy draft a reply, along with the past "
    "posts and replies it drew on. It's a rehearsal: nothing is saved or sent.",
)
INBOX = PageInfo(
    "Inbox",
    "inbox",
    "Inbox",
    "Drafted replies wait here for you. Approve, edit or reject each one: nothing is ever sent on "
    "its own, and every draft shows where its words came from.",
)
PACKS = PageInfo(
    "Packs",
    "packs",
    "Reply packs",
    "Approved replies are gathered into a reply pack: a zip file you take to your posting tool "
    "yourself. Understudy never posts for you and never signs in to your accounts.",
)
SETTINGS = PageInfo(
    "Settings",
    "settings",
    "Settings",
    "Where Understudy keeps your data, which AI models it has, and how it keeps secrets. "
    "Everything listed here is on this computer.",
)

#: In sidebar order: Ctrl+1 is the first.
PAGE_INFOS: tuple[PageInfo, ...] = (IMPORT, PERSONA, PREVIEW, INBOX, PACKS, SETTINGS)
