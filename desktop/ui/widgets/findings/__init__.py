"""The guard's findings where the creator reads a draft (shared by the Preview page and the Inbox)."""
