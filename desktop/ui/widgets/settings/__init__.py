"""The Settings page's cards, one module each, with the controllers they attach to."""
