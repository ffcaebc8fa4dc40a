"""Live connectors: today's messages in from a platform, approved replies out to it (issue 21).

* ``base``: the interface (``Connector``), its records and its errors in plain words.
* ``registry``: the platforms there are connectors for; each module is imported only when used.
* ``bluesky``, ``mastodon``, ``youtube``: one module per platform, each over its own client library.
* ``fetching``: a fetch saved into the store (one source per connection) and joined to the inbox.
* ``sending``: approved replies sent, idempotently, with the log that proves it.
"""
