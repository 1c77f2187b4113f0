"""``--output-format junit``: JUnit XML, one test suite per file and one failing test case per
finding (CI systems that show test results show these too)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby

from shapecheck.cli.reporters.base import Report


def render_junit(report: Report) -> str:
    suites = ET.Element("testsuites", name="shapecheck", tests=str(len(report.findings)),
                        failures=str(len(report.findings)))
    for path, group in groupby(report.findings, key=lambda f: f.path):
        findings = list(group)
        suite = ET.SubElement(suites, "testsuite", name=path, tests=str(len(findings)), failures=str(len(findings)))
        for f in findings:
            case = ET.SubElement(suite, "testcase", name=f"{f.code} at {f.line}:{f.col}", classname=path, file=path,
                                 line=str(f.line))
            failure = ET.SubElement(case, "failure", message=f.message, type=f.code)
            failure.text = "\n".join((f"{f.path}:{f.line}:{f.col}: {f.code} {f.message}", *f.notes))
    if not report.findings:  # a run with nothing to report is one passing test
        suite = ET.SubElement(suites, "testsuite", name="shapecheck", tests="1", failures="0")
        ET.SubElement(suite, "testcase", name=f"{report.files_checked} files checked", classname="shapecheck")
        suites.set("tests", "1")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
