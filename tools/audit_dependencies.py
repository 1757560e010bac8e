#!/usr/bin/env python3
"""Audit the project's installed environment (.venv) for known vulnerabilities.

Runs pip-audit (installed into its own throwaway venv, never into the project's) over the
site-packages of .venv with PyPI's vulnerability service, prints a table of the findings and
sets the exit status:

  0  no known vulnerability with a fix version (vulnerabilities without a fix, and packages
     that could not be audited, are printed as warnings)
  1  at least one known vulnerability has a fix version: upgrade to it
  2  the audit itself could not run (pip-audit could not be installed or failed), or, with
     --strict, some installed packages could not be audited

PyPI's vulnerability data for one release comes from https://pypi.org/pypi/NAME/VERSION/json.
Where that answers "not found" (pip-audit then skips the package), the project's own page
https://pypi.org/pypi/NAME/json is read instead: its vulnerabilities are those of the latest
release, so they count for an installed version that is the latest one; any other version is
reported as not audited.

Usage:  .venv/bin/python tools/audit_dependencies.py [--venv .venv] [--strict]
        (`make audit`; .ci/run runs it as root with CI=true and no stdin)
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIP_AUDIT = "pip-audit>=2.10,<3"
PYPI_JSON = os.environ.get("AUDIT_PYPI_JSON_URL", "https://pypi.org/pypi").rstrip("/")
NOT_FOUND = "Dependency not found on PyPI"


@dataclass
class Vuln:
    id: str
    fix_versions: list[str]
    aliases: list[str] = field(default_factory=list)
    description: str = ""


@dataclass
class Package:
    name: str
    version: str
    vulns: list[Vuln] = field(default_factory=list)
    audited_by: str | None = None       # "pip-audit", "latest release", or None
    skip_reason: str | None = None
    notes: list[str] = field(default_factory=list)


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def run(cmd: list[str], check: bool = False, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
           "PIP_ROOT_USER_ACTION": "ignore"}
    return subprocess.run(cmd, check=check, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, env=env, **kwargs)


def installed(venv_python: Path) -> tuple[list[str], dict[str, Package], set[str]]:
    """Site-packages folders of the venv, its distributions and the editable ones."""
    probe = r"""
import importlib.metadata as md, json, sysconfig
paths = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
dists, editable = [], []
for d in md.distributions(path=paths):
    name = d.metadata["Name"]
    if not name:
        continue
    dists.append([name, d.version])
    direct = d.read_text("direct_url.json")
    if direct and json.loads(direct).get("dir_info", {}).get("editable"):
        editable.append(name)
print(json.dumps({"paths": paths, "dists": dists, "editable": editable}))
"""
    out = run([str(venv_python), "-c", probe], check=True, timeout=120)
    data = json.loads(out.stdout)
    packages = {normalize(n): Package(normalize(n), v) for n, v in data["dists"]}
    return data["paths"], packages, {normalize(n) for n in data["editable"]}


def ensure_pip_audit(tool_venv: Path) -> Path:
    """pip-audit in its own venv (created, or reused when it already has it)."""
    exe = tool_venv / "bin" / "pip-audit"
    if exe.exists() and run([str(exe), "--version"], timeout=120).returncode == 0:
        return exe
    print(f"Installing {PIP_AUDIT} into {tool_venv} ...", flush=True)
    steps = [[sys.executable, "-m", "venv", "--clear", str(tool_venv)],
             [str(tool_venv / "bin" / "python"), "-m", "pip", "install", "--quiet", PIP_AUDIT]]
    for cmd in steps:
        done = run(cmd, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout}{done.stderr}")
    return exe


def pip_audit(exe: Path, paths: list[str]) -> tuple[dict, str]:
    """pip-audit's JSON report of the distributions in ``paths``, and its version."""
    version = run([str(exe), "--version"], timeout=120).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="audit-") as tmp:
        report = Path(tmp) / "pip-audit.json"
        cmd = [str(exe), "--vulnerability-service", "pypi", "--format", "json",
               "--desc", "on", "--aliases", "on", "--progress-spinner", "off",
               "--skip-editable", "--timeout", "30", "--cache-dir", str(Path(tmp) / "cache"),
               "--output", str(report)]
        for path in paths:
            cmd += ["--path", path]
        last = None
        for _attempt in range(2):          # one retry for a network hiccup
            last = run(cmd, timeout=1800)
            # Exit 1 means "vulnerabilities found": the report is there either way.
            if last.returncode in (0, 1) and report.exists() and report.stat().st_size:
                return json.loads(report.read_text(encoding="utf-8")), version
        raise RuntimeError(f"pip-audit failed (exit {last.returncode}):\n"
                           f"{last.stdout}{last.stderr}")


def merge_pip_audit(report: dict, packages: dict[str, Package]) -> None:
    for dep in report.get("dependencies", []):
        pkg = packages.get(normalize(dep["name"]))
        if pkg is None:
            pkg = packages[normalize(dep["name"])] = Package(normalize(dep["name"]),
                                                             dep.get("version", "?"))
        if "skip_reason" in dep:
            pkg.skip_reason = dep["skip_reason"]
            continue
        pkg.audited_by = "pip-audit"
        pkg.vulns = [Vuln(v["id"], list(v.get("fix_versions") or []),
                          list(v.get("aliases") or []), v.get("description") or "")
                     for v in dep.get("vulns", [])]


def _fetch_json(url: str) -> dict | None:
    for _attempt in range(3):
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
        except (urllib.error.URLError, TimeoutError, json.JSONDecodeError):
            pass
    return None


def _same_version(a: str, b: str) -> bool:
    try:
        from packaging.version import Version
        return Version(a) == Version(b)
    except (ImportError, ValueError):  # no packaging, or a version it cannot parse
        return a == b


def audit_latest_release(pkg: Package) -> None:
    """Fallback for a package whose release page is not found: the project's page."""
    page = _fetch_json(f"{PYPI_JSON}/{pkg.name}/json")
    if page is None:
        pkg.skip_reason = f"{pkg.name} {pkg.version}: not found on PyPI (neither the release " \
                          "nor the project page)"
        return
    latest = page.get("info", {}).get("version", "")
    files = page.get("releases", {}).get(pkg.version) or []
    if files and all(f.get("yanked") for f in files):
        reason = next((f.get("yanked_reason") for f in files if f.get("yanked_reason")), "")
        pkg.notes.append(f"installed release {pkg.version} is yanked"
                         + (f": {reason}" if reason else ""))
    if not _same_version(latest, pkg.version):
        pkg.skip_reason = (f"PyPI has no vulnerability data for release {pkg.version} here "
                           f"(its release page is not served); latest is {latest}")
        return
    pkg.skip_reason = None
    pkg.audited_by = "latest release"
    pkg.vulns = [Vuln(v.get("id", "?"), list(v.get("fixed_in") or []),
                      list(v.get("aliases") or []), v.get("details") or v.get("summary") or "")
                 for v in page.get("vulnerabilities") or [] if not v.get("withdrawn")]


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*header), line, *(fmt.format(*map(str, r)) for r in rows)]
    return "\n".join(x.rstrip() for x in lines)


def report(packages: dict[str, Package], editable: set[str], venv: Path, tool: str,
           strict: bool) -> int:
    audited = [p for p in packages.values() if p.audited_by]
    skipped = [p for p in packages.values() if not p.audited_by and p.name not in editable]
    findings = [(p, v) for p in sorted(audited, key=lambda p: p.name) for v in p.vulns]
    fixable = [(p, v) for p, v in findings if v.fix_versions]
    unfixed = [(p, v) for p, v in findings if not v.fix_versions]

    print(f"Dependency audit of {venv}: {len(packages)} installed distributions "
          f"({len(editable)} editable, not audited: {', '.join(sorted(editable)) or '-'})")
    print(f"Tool: {tool}, PyPI vulnerability service")
    by_pip_audit = sum(p.audited_by == "pip-audit" for p in audited)
    print(f"Audited {len(audited)}: {by_pip_audit} by pip-audit (release data), "
          f"{len(audited) - by_pip_audit} from the latest-release data of the project page.")
    print()
    if findings:
        rows = [[p.name, p.version, v.id, ", ".join(v.aliases) or "-",
                 ", ".join(v.fix_versions) or "none", "FIXABLE" if v.fix_versions else "warning"]
                for p, v in findings]
        print(table(rows, ["package", "installed", "vulnerability", "aliases", "fixed in",
                           "status"]))
        for p, v in findings:
            if v.description:
                text = textwrap.shorten(" ".join(v.description.split()), 300)
                print(f"\n{p.name} {p.version} {v.id}:\n" + textwrap.indent(
                    textwrap.fill(text, 96), "    "))
        print()
    else:
        print("No known vulnerabilities in the audited packages.\n")

    for p in sorted(packages.values(), key=lambda p: p.name):
        for note in p.notes:
            print(f"WARNING: {p.name}: {note}")
    for p, v in unfixed:
        print(f"WARNING: {p.name} {p.version}: {v.id} has no fix version yet")
    if skipped:
        print(f"WARNING: {len(skipped)} of {len(packages) - len(editable)} packages could not "
              "be audited:")
        rows = [[p.name, p.version, p.skip_reason or "-"]
                for p in sorted(skipped, key=lambda p: p.name)]
        print(textwrap.indent(table(rows, ["package", "installed", "why"]), "    "))
    print()
    if fixable:
        print(f"FAIL: {len(fixable)} known vulnerabilit{'y has' if len(fixable) == 1 else 'ies have'}"
              " a fix: " + "; ".join(f"{p.name} {p.version} -> {', '.join(v.fix_versions)} "
                                     f"({v.id})" for p, v in fixable))
        return 1
    if skipped and strict:
        print(f"FAIL (--strict): {len(skipped)} packages could not be audited.")
        return 2
    print(f"OK: no known vulnerability with a fix ({len(unfixed)} without a fix, "
          f"{len(skipped)} packages not audited).")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv",
                        help="the environment to audit (default: the project's .venv)")
    parser.add_argument("--tool-venv", type=Path, default=None,
                        help="where pip-audit is installed (default: VENV/.audit-tools, "
                             "removed with the venv by `make clean`)")
    parser.add_argument("--from-json", type=Path, default=None,
                        help="read this pip-audit JSON report instead of running pip-audit")
    parser.add_argument("--strict", action="store_true",
                        help="also fail (exit 2) when packages could not be audited")
    args = parser.parse_args(argv)

    venv = args.venv.resolve()
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"ERROR: no Python at {python}: run `make install` first.", file=sys.stderr)
        return 2
    try:
        paths, packages, editable = installed(python)
        if args.from_json:
            raw, tool = json.loads(args.from_json.read_text(encoding="utf-8")), \
                f"pip-audit report {args.from_json}"
        else:
            exe = ensure_pip_audit(args.tool_venv or venv / ".audit-tools")
            raw, tool = pip_audit(exe, paths)
    except (RuntimeError, subprocess.SubprocessError, OSError, ValueError) as exc:
        print(f"ERROR: the audit could not run: {exc}", file=sys.stderr)
        return 2
    merge_pip_audit(raw, packages)
    missing = [p for p in packages.values() if not p.audited_by and p.name not in editable
               and (p.skip_reason is None or p.skip_reason.startswith(NOT_FOUND))]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(audit_latest_release, missing))
    return report(packages, editable, venv, tool, args.strict)


if __name__ == "__main__":
    sys.exit(main())
