"""``python -m benchmarks``: every family's benchmark and one summary table per device (see ``run_all``)."""

import sys

from benchmarks.run_all import main

sys.exit(main())
