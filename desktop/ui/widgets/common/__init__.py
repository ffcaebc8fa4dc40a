"""Small builders the pages and cards share (issue 19): one place for a look that repeats, so two
cards that show the same kind of thing cannot drift apart."""
