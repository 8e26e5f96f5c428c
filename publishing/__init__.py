"""Publishing: the indicator catalogue, disclosure control, the published files and the report.

Entry point: `publishing.publish(home, settings, progress) -> PublishReport` reads
`marts.indicators`, applies disclosure control (`publishing.disclosure`) and writes the declared
aggregate outputs (`publishing.outputs`) to `DIR/published/`.
"""

from __future__ import annotations

from publishing.publish import PublishError, PublishReport, publish

__all__ = ["PublishError", "PublishReport", "publish"]
