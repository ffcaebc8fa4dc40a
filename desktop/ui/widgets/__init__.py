"""The main window's pages, one module each, and the first-run and model set-up panels."""
