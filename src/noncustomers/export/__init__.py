"""Everything the toolkit writes: formula-safe tables, JSON and whole output folders.

The CLI and the app's download buttons call these functions, so a file
downloaded from the app and the same file written by ``noncustomers analyze``
are byte-identical.
"""

from noncustomers.export.folder import (MANIFEST, OutputFolder, check_file_target, check_run,
                                        remove_stale, staging_name)
from noncustomers.export.tables import (FORMULA_START, csv_bytes, json_bytes, neutralise,
                                        neutralise_frame, rounded)

__all__ = ["FORMULA_START", "MANIFEST", "OutputFolder", "check_file_target", "check_run",
           "csv_bytes", "json_bytes", "neutralise", "neutralise_frame", "remove_stale",
           "rounded", "staging_name"]
