"""One module per platform; each defines ``IMPORTER``, found by ``desktop.core.importers.registry``."""
