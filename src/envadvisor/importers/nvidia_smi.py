"""``nvidia-smi`` output: the default table, ``-L``, ``--query-gpu`` CSV and its error lines
(report-formats.md sections 5 and 6).

The table header carries three versions; each is read on its own (column widths changed over the
years). Its ``CUDA Version`` is the newest CUDA the driver supports (``gpu.driver_cuda``): not the
toolkit and not the framework's CUDA. Drivers before R410 print no ``CUDA Version`` at all; from R610
the header says ``KMD Version`` and ``CUDA UMD Version`` instead ("NVIDIA-SMI 610.43.02  KMD Version:
610.43.02  CUDA UMD Version: 13.3", docs.nvidia.com/deploy/nvidia-smi: "deprecated Driver Version and
CUDA Version in favor of KMD Version and CUDA UMD Version"); both spellings are read. GPU rows
truncate long names, so ``-L`` / CSV names win when both are pasted. Error lines are kept as this
format's lines; what they mean comes from the signatures.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from envadvisor.importers._base import Line, Observation, Parsed, major_minor
from envadvisor.importers._system import device
from envadvisor.safetext import parse_int

NAME = "nvidia_smi"

_HEADER_SMI = re.compile(r"NVIDIA-SMI\s{1,16}(?P<smi>\d[\w.]{0,32})")
# "Driver Version" / "CUDA Version" before R610, "KMD Version" / "CUDA UMD Version" from R610.
_HEADER_DRIVER = re.compile(r"(?:Driver|KMD) Version:\s{0,16}(?P<driver>\d[\w.]{0,32})")
_HEADER_CUDA = re.compile(r"CUDA(?: UMD)? Version:\s{0,16}(?P<cuda>\d[\w.]{0,32}|N/A)")
# the name is words with single spaces between them: its words and the column padding cannot overlap
_ROW = re.compile(
    r"^\|\s{1,16}(?P<index>\d{1,3})\s{1,16}(?P<name>\S{1,64}(?:\s\S{1,64}){0,15}?)\s{1,64}"
    r"(?:On|Off|WDDM|TCC|N/A)\s{0,16}\|"  # "Off|": newer tables leave no space before the bar
)
_MEMORY = re.compile(r"(?<!\d)(?P<used>\d{1,9})\s{0,8}MiB\s{0,8}/\s{0,8}(?P<total>\d{1,9})\s{0,8}MiB")
_LIST = re.compile(
    r"^GPU\s{1,8}(?P<index>\d{1,3}):\s{1,8}(?P<name>\S{1,64}(?:\s\S{1,64}){0,15}?)\s{1,8}"
    r"\(UUID:\s{0,8}GPU-[^)\s]{1,64}\)\s{0,16}$"
)
_CSV_HEADER = re.compile(
    r"^\s{0,16}(?:index|name|driver_version|pci\.bus_id)\s{0,16}(?:,[\w.\[\] ]{1,64}){1,64}$", re.IGNORECASE
)
_ERRORS = re.compile(
    r"NVIDIA-SMI has failed|Failed to initialize NVML|No devices were found|NVML library version|"
    r"is not a valid field to query",
    re.IGNORECASE,
)
_DRIVER_VALUE = re.compile(r"^\d{3}\.\d{1,3}(?:\.\d{1,3})?$")
_CC_VALUE = re.compile(r"^\d{1,2}\.\d$")
_GPU_WORDS = re.compile(r"NVIDIA|Tesla|GeForce|Quadro|RTX|GTX|TITAN|\b[AHBLTV]\d{1,3}\b", re.IGNORECASE)


def detect(lines: Sequence[Line]) -> bool:
    for line in lines:
        text = line.text
        if "NVIDIA-SMI" in text and _HEADER_SMI.search(text) and _HEADER_DRIVER.search(text):
            return True
        if _LIST.match(text.strip()) or ("," in text and _CSV_HEADER.match(text)) or _maybe_error(text):
            return True
    return any(_csv_row(line.text) for line in lines)


# Cheap substring tests before the expressions: a megabyte of log holds few nvidia-smi lines.
_ERROR_WORDS = ("nvidia-smi", "nvml", "no devices", "valid field")


def _maybe_error(text: str) -> bool:
    low = text.lower()
    return any(word in low for word in _ERROR_WORDS) and _ERRORS.search(text) is not None


def parse(lines: Sequence[Line]) -> Parsed:
    observations: list[Observation] = []
    table_rows: list[Observation] = []  # table names may be truncated: used only without -L / CSV names
    consumed: set[int] = set()
    csv_columns: list[str] | None = None
    for position, line in enumerate(lines):
        text = line.text
        smi = _HEADER_SMI.search(text) if "NVIDIA-SMI" in text else None
        driver = _HEADER_DRIVER.search(text) if smi else None
        if smi and driver:
            consumed.add(line.number)
            observations.extend(_header(line, driver.group("driver"), _HEADER_CUDA.search(text)))
            continue
        stripped = text.strip()
        row = _ROW.match(stripped) if stripped.startswith("|") else None
        if row:
            consumed.add(line.number)
            name = row.group("name").strip()
            memory = _next_memory(lines, position)
            entry = device(name.rstrip(".").strip(), index=int(row.group("index")), memory_mib=memory)
            table_rows.append(Observation("gpu.devices", entry, line))
            continue
        listed = _LIST.match(stripped) if stripped.startswith("GPU") else None
        if listed:
            consumed.add(line.number)
            entry = device(listed.group("name").strip(), index=int(listed.group("index")))
            observations.append(Observation("gpu.devices", entry, line))
            continue
        if "," in text and _CSV_HEADER.match(text):
            csv_columns = [column.strip().lower().split(" ")[0] for column in text.split(",")]
            consumed.add(line.number)
            continue
        fields = _csv_row(text, csv_columns)
        if fields:
            consumed.add(line.number)
            observations.extend(_csv_observations(fields, line))
            continue
        if _maybe_error(text) or (
            text.startswith(("+--", "|==", "|--", "| GPU ", "| Fan ", "| Processes"))
        ):
            consumed.add(line.number)
    if not any(observation.key == "gpu.devices" for observation in observations):
        observations.extend(table_rows)
    return Parsed(tuple(observations), frozenset(consumed))


def _header(line: Line, driver: str, cuda: re.Match[str] | None) -> list[Observation]:
    out = [
        Observation("gpu.driver_version", driver, line),
        Observation("gpu.driver_source", "nvidia-smi", line),
        # weak: an error message elsewhere in the report (often from another machine or later) wins
        Observation("gpu.nvml_state", "ok", line, derived_from="gpu.driver_version"),
    ]
    if cuda is None:
        reason = "this nvidia-smi prints no CUDA Version (drivers before R410)"
        out.append(Observation("gpu.driver_cuda", None, line, reason=reason))
    elif cuda.group("cuda").upper() == "N/A":
        out.append(Observation("gpu.driver_cuda", None, line, reason="nvidia-smi says CUDA Version: N/A"))
    else:
        out.append(Observation("gpu.driver_cuda", major_minor(cuda.group("cuda")), line))
        out.append(Observation("gpu.driver_cuda_inferred", False, line))
    return out


def _next_memory(lines: Sequence[Line], position: int) -> int | None:
    for line in lines[position + 1 : position + 3]:
        match = _MEMORY.search(line.text)
        if match:
            return int(match.group("total"))
    return None


def _csv_row(text: str, columns: list[str] | None = None) -> dict[str, str] | None:
    if "," not in text or text.count(",") > 30:
        return None
    values = [value.strip() for value in text.strip().split(",")]
    if columns and len(columns) == len(values):
        return dict(zip(columns, values, strict=True))
    # Without a header: recognise the fields by their shape (index, GPU name, driver, compute cap, MiB).
    # nvidia-smi separates CSV fields with ", " (log timestamps such as "19:45:55,713" do not); no GPU
    # word in the whole line means none in any of its values.
    if len(values) < 2 or ", " not in text or not _GPU_WORDS.search(text):
        return None
    if not any(_GPU_WORDS.search(value) for value in values):
        return None
    fields: dict[str, str] = {}
    for value in values:
        plain = value.removesuffix(" MiB").strip()
        if "name" not in fields and _GPU_WORDS.search(value):
            fields["name"] = value
        elif _DRIVER_VALUE.match(value):
            fields["driver_version"] = value
        elif _CC_VALUE.match(value):
            fields["compute_cap"] = value
        elif (
            (number := parse_int(plain)) is not None and number < 64 and "index" not in fields
        ) and "name" not in fields:
            fields["index"] = plain
        elif number is not None and number >= 256:
            fields["memory.total"] = plain
    return fields if "name" in fields and ("driver_version" in fields or "compute_cap" in fields) else None


def _csv_observations(fields: dict[str, str], line: Line) -> list[Observation]:
    out: list[Observation] = []
    entry: dict[str, Any] = {}
    name = fields.get("name")
    if name and not name.startswith("["):
        entry["name"] = name
    index = fields.get("index", "")
    if (number := parse_int(index, digits=3)) is not None:
        entry["index"] = number
    cc = fields.get("compute_cap", "")
    if _CC_VALUE.match(cc):
        entry["compute_capability"] = cc
        entry["compute_capability_source"] = "nvidia-smi"
    memory = fields.get("memory.total", "").removesuffix(" MiB").strip()
    if (mib := parse_int(memory, digits=9)) is not None:
        entry["memory_mib"] = mib
    if entry.get("name"):
        out.append(Observation("gpu.devices", entry, line))
    driver = fields.get("driver_version", "")
    if _DRIVER_VALUE.match(driver):
        out.append(Observation("gpu.driver_version", driver, line))
        out.append(Observation("gpu.driver_source", "nvidia-smi", line))
    return out
