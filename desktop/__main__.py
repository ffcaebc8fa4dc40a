"""`python -m desktop`: the same entry point as the `understudy` console script."""

import sys

from desktop.app import main

sys.exit(main())
