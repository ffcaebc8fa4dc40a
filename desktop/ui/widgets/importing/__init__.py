"""The Import page's cards and dialogs, one file each (the page is ``widgets.import_page``)."""
