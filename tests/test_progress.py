"""Progress by stage: a live line on a terminal, timestamped log lines otherwise."""

import io
import re

from reconcile.core.progress import reporter


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_scheduled_run_gets_plain_timestamped_lines():
    stream = io.StringIO()
    say = reporter(stream)
    say("lecture", "membres.xlsx (17 Ko)")
    say("écriture", "640 lignes de rapprochement")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} lecture : membres\.xlsx \(17 Ko\)",
                        lines[0])
    assert "\r" not in stream.getvalue() and "\033" not in stream.getvalue()


def test_terminal_gets_one_live_line_rewritten_per_stage():
    stream = Terminal()
    say = reporter(stream)
    say("lecture", "membres.xlsx")
    say("validation", "1 277 lignes")
    say("écriture", "640 lignes")
    text = stream.getvalue()
    assert text.count("\r\033[K") == 3
    assert text.endswith("… écriture : 640 lignes\n")


def test_a_run_reports_each_stage_with_counts(tmp_path, capsys):
    from workbooks import base, run

    result = run(base().write(tmp_path / "in"), tmp_path / "out", capsys=capsys)
    stages = [line.split(" ", 2)[2].split(" :")[0] for line in result.err.splitlines()
              if re.match(r"\d{4}-\d{2}-\d{2} ", line)]
    assert stages[:1] == ["lecture"] and "écriture" in stages
    assert any(re.search(r"validation : \d+ lignes", line) for line in result.err.splitlines())
