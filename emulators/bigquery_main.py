"""`bqemulator start ...`, run by the emulator's own Python, accepting load media sent as `*/*` as BigQuery does.

Why: google-cloud-bigquery sends small load files (< 5 MiB) in one multipart request whose data part is typed
`*/*`. BigQuery accepts that; bqemulator 1.4.0 only accepts concrete types, so every small load job would fail.
Widening its whitelist at start keeps our client code exactly what runs against BigQuery. The installed files
are not touched.
"""

import sys

from bqemulator.api.routes import upload
from bqemulator.cli import main

upload._PERMITTED_MEDIA_CONTENT_TYPES = (*upload._PERMITTED_MEDIA_CONTENT_TYPES, "*/*")

if __name__ == "__main__":
    sys.exit(main(["start", *sys.argv[1:]]))
