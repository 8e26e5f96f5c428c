"""The exit codes of `sammen` commands, defined once (README, "Exit codes").

A cron job or an Airflow BashOperator tells a bad night from a good one by these:

    0  CLEAN     the night's work is done and nothing failed
    1  ERROR     the command stopped: bad arguments, no such home, a stage crashed
    2  FAILURES  the night's work is done (everything else was loaded, built and published),
                 but a file was rejected or a Great Expectations batch check failed
    3  BUSY      another writer holds the warehouse; nothing was done

Warnings keep exit code 0: quarantined rows below the threshold, duplicate files, and a stale
source (the GX freshness checks compare extract dates with today's date, so they say "a partner
is late", not "the data are wrong"; they are shown in the summary and `sammen ledger`).
"""

from __future__ import annotations

CLEAN = 0
ERROR = 1
FAILURES = 2
BUSY = 3
