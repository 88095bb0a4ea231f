"""ETL progress: a bar on a terminal, JSON lines elsewhere."""

import io
import json

from etl_task.loader import Summary
from etl_task.progress import Progress


def test_terminal_gets_a_progress_bar() -> None:
    stream = io.StringIO()
    progress = Progress(stream=stream, tty=True)
    progress.update(Summary(files_loaded=5, movies_new=5), total_known=10)
    progress.close()
    text = stream.getvalue()
    assert "loading" in text and "5/10" in text and "new=5" in text


def test_logs_get_json_lines_at_most_every_interval() -> None:
    stream = io.StringIO()
    progress = Progress(interval=3600, stream=stream, tty=False)
    progress.update(Summary(files_loaded=1), total_known=1)
    assert stream.getvalue() == ""  # not yet: the interval has not passed
    progress.interval = 0
    progress.update(Summary(files_loaded=2, quarantined=1), total_known=3)
    line = json.loads(stream.getvalue())
    assert line["event"] == "etl_progress" and line["files_done"] == 3 and line["files_listed"] == 3
