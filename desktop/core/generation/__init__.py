"""Drafting replies: prompt building, model backends, and the guard that checks every draft."""
