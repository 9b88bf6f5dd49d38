"""JSON state files of the fakes (fake_manager.py, fake_modern.py): read with a default, written atomically so a fake
killed mid-write leaves the previous state. The registry is shared by nodes whose tools run at the same time (the hosts
end-to-end test installs four at once), so a call that reads and writes it holds its lock throughout."""
import contextlib
import fcntl
import json
import os


def load(path, default):
    try:
        with open(path) as handle:
            return json.load(handle)
    except FileNotFoundError:
        return default


def save(path, value):
    temporary = "%s.%d.tmp" % (path, os.getpid())
    with open(temporary, "w") as handle:
        json.dump(value, handle, indent=2)
    os.replace(temporary, path)


@contextlib.contextmanager
def held(path):
    """An exclusive lock beside `path`, so that concurrent read-modify-write calls do not lose each other's changes."""
    with open(path + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
