"""`python -m crawler --db X --url U`: same as `python -m crawler.run`."""

import sys

from crawler.run import main

sys.exit(main())
