"""Understudy: a creator's private AI clone, drafting replies on their own machine."""

APP_NAME = "Understudy"
APP_ID = "understudy"
ORG_NAME = "Understudy"
__version__ = "0.1.0"
