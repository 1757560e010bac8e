"""An output folder that holds one complete run or nothing.

A run's files are written into a private staging folder beside the output folder
(``.<name>.noncustomers-<pid>-<random>``) and the finished folder takes the output
folder's place with one rename; an earlier run there is moved aside by a rename
first and then deleted.  Catchable signals are blocked during the two renames, so
an interrupted run never leaves the new files mixed with an older run's.  Whatever
happens, the staging folder is removed on the way out; one left behind by a killed
process (SIGKILL, power loss) is removed by the next run that writes beside it.

Every run ends with ``manifest.json``, written last: what wrote the folder, when,
and the size and SHA-256 of every file, so a reader can check it has a whole run
(:func:`check_run`).

Only folders that are empty or hold an earlier noncustomers run are replaced: a
folder holding anything else (a user's documents, the panel itself) is refused
before any work, so no run ever deletes what it did not write.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import stat
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from noncustomers.errors import NoncustomersError

__all__ = ["MANIFEST", "OutputFolder", "check_file_target", "check_run", "remove_stale",
           "staging_name", "write_file"]

MANIFEST = "manifest.json"
_STAGING = re.compile(r"^\.(?P<name>.+)\.noncustomers-(?P<pid>\d+)-[0-9a-f]{8}(?:-old)?$")
_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _existing_ancestor(path: Path) -> Path:
    for parent in [path, *path.parents]:
        if parent.exists():
            return parent
    return Path("/")  # pragma: no cover - "/" always exists


def staging_name(target: Path) -> Path:
    """A private name beside ``target`` for this process to stage it under."""
    return target.with_name(f".{target.name}.noncustomers-{os.getpid()}-"
                            f"{secrets.token_hex(4)}")


def remove_stale(target: Path) -> None:
    """Remove what runs killed before they could clean up (SIGKILL, power loss) staged
    beside ``target``: names made by :func:`staging_name` whose process is gone."""
    try:
        entries = os.listdir(target.parent)
    except OSError:
        return
    for entry in entries:
        match = _STAGING.match(entry)
        if match and match["name"] == target.name and not _alive(int(match["pid"])):
            path = target.parent / entry
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def write_file(path: Path, data: bytes) -> None:
    """Write one file (a schema, a deck, a report) as a whole or not at all: staged beside
    its target, then moved in with one rename; never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(path)
    staged = staging_name(path)
    try:
        staged.write_bytes(data)
        os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)


def check_file_target(path: Path, option: str) -> None:
    """Refuse, before any work, a file path that cannot be written (``--save-model``)."""
    if path.is_dir():
        raise NoncustomersError(f"{option} '{path}' is a folder; give a file name such as "
                                f"'{path / 'panel.model'}'")
    if path.exists() and not path.is_file():
        raise NoncustomersError(f"{option} '{path}' is not a regular file")
    _check_writable_parent(path, option)


def _check_writable_parent(path: Path, option: str) -> None:
    """The nearest existing folder above ``path`` must be a folder we may write in."""
    ancestor = _existing_ancestor(path.parent)
    if not ancestor.is_dir():
        raise NoncustomersError(f"{option} '{path}': '{ancestor}' is a file, not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise NoncustomersError(f"{option} '{path}': cannot write in '{ancestor}' "
                                "(permission denied)")


class OutputFolder:
    """Stage the files of one run and publish them as a whole.

    Parameters
    ----------
    out_dir : path
        The output folder: absent, empty, or holding an earlier run (with a
        ``manifest.json``, or only files named in ``replaceable``).
    replaceable : iterable of str
        File names an output folder of an earlier version (without manifest) may hold.
    option : str
        How the user named the folder, for messages (``--out``).
    folders : iterable of str
        Subfolders a run may hold (``charts``): a file is named ``charts/map.png``.

    Examples
    --------
    >>> with OutputFolder("out") as folder:              # doctest: +SKIP
    ...     folder.write("gaps.csv", b"...")
    ...     folder.publish()
    """

    def __init__(self, out_dir: str | Path, replaceable: Iterable[str] = (),
                 option: str = "--out", folders: Iterable[str] = ()) -> None:
        self.out_dir = Path(out_dir)
        self.option = option
        self.replaceable = set(replaceable) | {MANIFEST}
        self.folders = set(folders)
        self.staging: Path | None = None
        self.files: dict[str, Path] = {}
        self._check()

    # ---- before any work -------------------------------------------------------------
    def _check(self) -> None:
        out, option = self.out_dir, self.option
        if out.name in ("", ".", ".."):
            out = self.out_dir = out.resolve()
        if out.exists() and not out.is_dir():
            raise NoncustomersError(f"{option} '{out}' is a file; give a folder (created "
                                    "when absent)")
        if out.is_dir():
            entries = sorted(os.listdir(out))
            if MANIFEST not in entries:
                others = [e for e in entries if e not in self.replaceable]
                if others:
                    raise NoncustomersError(
                        f"{option} '{out}' holds '{others[0]}'"
                        + (f" and {len(others) - 1} other entries" if len(others) > 1 else "")
                        + ", which no noncustomers run wrote; give a new or empty folder "
                        "(each run replaces the whole folder)")
            for entry in entries:
                if (out / entry).is_dir() and not (out / entry).is_symlink():
                    if entry in self.replaceable:
                        raise NoncustomersError(f"{option} '{out}' holds a folder named "
                                                f"'{entry}' where a file goes; remove it")
        _check_writable_parent(out, option)

    def __enter__(self) -> OutputFolder:
        try:
            self.out_dir.parent.mkdir(parents=True, exist_ok=True)
            remove_stale(self.out_dir)
            self.staging = staging_name(self.out_dir)
            self.staging.mkdir(mode=0o700)
        except OSError as exc:
            raise NoncustomersError(f"cannot write {self.option} '{self.out_dir}': "
                                    f"{exc.strerror or exc}") from None
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.discard()

    def discard(self) -> None:
        """Remove the staging folder (after a publish it is already gone)."""
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None

    # ---- the run's files ---------------------------------------------------------------
    def path(self, name: str) -> Path:
        """Where a file of the run is staged (for writers that want a path)."""
        if self.staging is None:
            raise RuntimeError("OutputFolder used outside its with-block")
        folder, _, base = name.rpartition("/")
        if (folder and folder not in self.folders) or base in ("", ".", "..") or (
                name == MANIFEST):
            raise ValueError(f"not a file name for a run: {name!r}")
        if folder:
            (self.staging / folder).mkdir(exist_ok=True)
        self.files[name] = self.staging / name
        return self.files[name]

    def write(self, name: str, data: bytes) -> Path:
        path = self.path(name)
        path.write_bytes(data)
        return path

    def publish(self) -> list[Path]:
        """Write the manifest and swap the staged folder in; return the published files."""
        if self.staging is None:
            raise RuntimeError("nothing staged")
        files = {name: _fingerprint(path) for name, path in sorted(self.files.items())}
        manifest = {
            "format": "noncustomers-run/1",
            # Names the run by its content: the same run (same input, schema and seed)
            # gives the same manifest, byte for byte.
            "run": hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16],
            "tool": _tool_version(),
            "files": files,
        }
        (self.staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n",
                                             encoding="utf-8")
        mode = (stat.S_IMODE(self.out_dir.stat().st_mode) if self.out_dir.is_dir()
                else 0o777 & ~_umask())
        os.chmod(self.staging, mode)
        for path in [*self.files.values(), self.staging / MANIFEST,
                     *(self.staging / f for f in self.folders if (self.staging / f).is_dir())]:
            _fsync(path)
        _fsync(self.staging)
        old = self.staging.with_name(self.staging.name + "-old")
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        try:
            if self.out_dir.exists():
                os.rename(self.out_dir, old)
            os.rename(self.staging, self.out_dir)
            self.staging = None
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        _fsync(self.out_dir.parent)
        shutil.rmtree(old, ignore_errors=True)
        return [self.out_dir / name for name in self.files] + [self.out_dir / MANIFEST]


def check_run(folder: str | Path) -> dict:
    """The manifest of a complete run in ``folder``; raise if any file is missing or changed."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NoncustomersError(f"{folder}: no complete noncustomers run (no readable "
                                f"{MANIFEST})") from None
    for name, expected in manifest.get("files", {}).items():
        path = folder / name
        if not path.is_file() or _fingerprint(path) != expected:
            raise NoncustomersError(f"{folder}: '{name}' is missing or differs from the run "
                                    f"that {MANIFEST} describes")
    return manifest


def _fingerprint(path: Path) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def _tool_version() -> str:
    from importlib import metadata

    try:
        return f"noncustomers {metadata.version('noncustomers')}"
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a checkout
        return "noncustomers"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync(path: Path) -> None:
    """Flush a file or a folder's entries to disk before the rename makes them the run."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
