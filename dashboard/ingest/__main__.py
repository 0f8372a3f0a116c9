"""``python -m dashboard.ingest build | report | fetch`` (see dashboard.ingest.pipeline)."""

import sys

from dashboard.ingest.pipeline import main

sys.exit(main())
