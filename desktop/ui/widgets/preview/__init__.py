"""The Preview page's cards, one file each; the page itself is ``desktop.ui.widgets.preview_page``."""
