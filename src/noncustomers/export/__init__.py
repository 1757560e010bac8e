"""Everything the toolkit writes: formula-safe tables, JSON, charts, the deck, the report.

The one writer: the CLI and the app's download buttons call these functions, so a file
downloaded from the app and the same file written by ``noncustomers analyze`` are
byte-identical.

- :mod:`~noncustomers.export.tables`: CSV and JSON bytes (one formatting, formula-safe);
- :mod:`~noncustomers.export.run`: the files of a run (:func:`run_files`, :func:`write_run`);
- :mod:`~noncustomers.export.folder`: an output folder that holds one complete run or nothing;
- :mod:`~noncustomers.export.figures`: every chart of a run, by name;
- :mod:`~noncustomers.export.images`: charts as PNG, SVG and PDF (kaleido, local Chromium);
- :mod:`~noncustomers.export.deck`: the PowerPoint deck, with native charts;
- :mod:`~noncustomers.export.report`: the self-contained HTML report.
"""

from noncustomers.export.folder import (MANIFEST, OutputFolder, check_file_target, check_run,
                                        remove_stale, staging_name, write_file)
from noncustomers.export.run import CHARTS_FOLDER, OUTPUT_FILES, chart_files, run_files, write_run
from noncustomers.export.tables import (FORMULA_START, csv_bytes, json_bytes, neutralise,
                                        neutralise_frame, rounded)

__all__ = ["CHARTS_FOLDER", "FORMULA_START", "MANIFEST", "OUTPUT_FILES", "OutputFolder",
           "chart_files", "check_file_target", "check_run", "csv_bytes", "json_bytes",
           "neutralise", "neutralise_frame", "remove_stale", "rounded", "run_files",
           "staging_name", "write_file", "write_run"]
