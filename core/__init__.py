"""The ground floor of sammen: what every stage shares and nothing else.

Home layout, settings, the writer lock, progress output, atomic file swaps, bounded DuckDB
connections, the PostgreSQL connection, fault points, erasure, exit codes, the arguments the
commands share, the ledger (schema, check records, `ledger.runs`) with the cutoff, and the
identifier rules. `core` imports `contracts` and nothing else of the project
(docs/architecture.md, tests/unit/test_architecture_layers.py).
"""
