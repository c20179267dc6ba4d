"""What a CI system reads from a run: a JUnit XML report (one test case per entity;
a failure carries the service's rejections in its own words) and GitHub Actions
annotations (``::error file=..,line=..::``, pointing at the entity in the scenario).
The JSON report is :meth:`RunStats.to_json`; its schema is seeder/report.schema.json."""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from seeder.run.stats import RunStats

if TYPE_CHECKING:
    from seeder.model import Model

__all__ = ["github_annotations", "junit_xml"]


def _problems(stats: RunStats, entity: str) -> list[str]:
    """What went wrong with ``entity``'s commands, one line per reason."""
    command = stats.command_of.get(entity)
    lines = []
    for label, counter in (("rejected", stats.rejections), ("failed", stats.failures)):
        for (cmd, status, message), n in counter.most_common():
            if cmd == command:
                shown = f" ({status})" if status is not None else ""
                lines.append(f"{label} {n:,} × {cmd}{shown}: {message}")
    for (skipped, cause), n in stats.skip_causes.most_common():
        if skipped == entity:
            lines.append(f"skipped {n:,}: a dependency ({cause}) was not created")
    counts = stats.entities[entity]
    if counts.uncertain:
        lines.append(f"uncertain {counts.uncertain:,}: may or may not have been applied")
    return lines


def junit_xml(stats: RunStats, model: Model | None, name: str) -> str:
    """The run as JUnit XML: a suite named after the scenario (or command log), a
    test case per entity that fails when any of its commands was not created."""
    data = stats.as_dict(model)
    elapsed = str(data["elapsed_seconds"])
    suites = ET.Element("testsuites", name="seeder", time=elapsed)
    suite = ET.SubElement(suites, "testsuite", name=f"seeder {name}", time=elapsed)
    failures = 0
    for entity, counts in sorted(stats.entities.items()):
        case = ET.SubElement(suite, "testcase", classname=f"seeder.{name}", name=entity)
        missing = counts.rejected + counts.failed + counts.skipped + counts.uncertain
        if missing:  # the failure first: JUnit's schema orders it before system-out
            failures += 1
            problems = _problems(stats, entity)
            failure = ET.SubElement(
                case,
                "failure",
                message=f"{missing:,} {entity} not created: {problems[0] if problems else ''}",
                type="rejected" if counts.rejected else "not created",
            )
            failure.text = "\n".join(problems)
        out = ET.SubElement(case, "system-out")
        out.text = (
            f"created {counts.created:,}, rejected {counts.rejected:,}, failed "
            f"{counts.failed:,}, skipped {counts.skipped:,}, uncertain {counts.uncertain:,}"
            + (f", done earlier {counts.earlier:,}" if counts.earlier else "")
        )
    tests = len(stats.entities)
    cut_short = stats.cut_short()
    if cut_short is not None:
        tests += 1
        failures += 1
        case = ET.SubElement(suite, "testcase", classname=f"seeder.{name}", name="(run)")
        kind = "interrupted" if stats.interrupted else "stopped"
        ET.SubElement(case, "failure", message=cut_short, type=kind)
    for element in (suites, suite):
        element.set("tests", str(tests))
        element.set("failures", str(failures))
        element.set("errors", "0")
        element.set("skipped", "0")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def _escape(text: str, *, prop: bool = False) -> str:
    """GitHub's workflow-command escaping (of a message, or of a property)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def github_annotations(stats: RunStats, model: Model | None, source: str) -> list[str]:
    """``::error`` lines, one per entity with commands not created, at the entity's
    line of a YAML scenario (the file alone for a Python one or a command log)."""
    lines = []
    for entity, counts in sorted(stats.entities.items()):
        problems = _problems(stats, entity)
        if not problems:
            continue
        where = f"file={_escape(source, prop=True)}"
        if model is not None and model.locate is not None:
            line, col = model.locate(("entities", entity))
            if line is not None:
                where += f",line={line}" + (f",col={col}" if col is not None else "")
        title = _escape(f"seeder: {entity}", prop=True)
        missing = counts.rejected + counts.failed + counts.skipped + counts.uncertain
        message = f"{missing:,} {entity} not created\n" + "\n".join(problems)
        lines.append(f"::error {where},title={title}::{_escape(message)}")
    cut_short = stats.cut_short()
    if cut_short is not None:
        lines.append(f"::error file={_escape(source, prop=True)}::{_escape(cut_short)}")
    return lines
